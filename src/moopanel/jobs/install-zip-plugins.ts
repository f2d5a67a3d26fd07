import { PLUGINS_INSTALL_ZIP_JOB } from './job-names.ts'
import { declareJob, type JobDefinition } from '../../jobs/index.ts'
import { compareVersions, forgetPluginState, readInstalledVersion, readSiteCodeFacts } from '../../moodle/index.ts'
import { zipInstallsFinishedBody } from '../callbacks/callback-bodies.ts'
import { failureCallback } from './failure-callback.ts'
import type { MoopanelJobDeps } from './job-deps.ts'
import { failureSummary, pluginTargetDir, runPluginItems, type ItemPlan, type ItemResult } from './plugin-job-support.ts'
import { requestCallback } from './send-callback.ts'
import { stagePluginPackage } from './stage-plugin-package.ts'
import { DEPLOY_DISABLED_MESSAGE } from './update-plugins.ts'

/** What POST /plugins/installzip enqueues (moopanel-api.md §4.8). */
export interface InstallZipPayload {
  instanceId: number
  userId: number | null
  username: string | null
  /** The URLs exactly as received (the callback echoes them). */
  urls: string[]
}

/** The `plugins_install_zip` type: one job per request, Moodle-changing (exclusive site lock). */
export const installZipJobType = declareJob<InstallZipPayload>({ name: PLUGINS_INSTALL_ZIP_JOB, moodleChanging: true, maxAttempts: 3, reports: true })

/** The job row of one install request. */
export const installZipRequest = installZipJobType.request

/**
 * `plugins_install_zip` (§5.7): each URL in order — download (the panel's own origin is allowed
 * besides `download_allowed_hosts`), validation, standard-plugin and downgrade refusals, swap,
 * upgrade, rollback — then one callback (§6.7) with a result per URL.
 */
export function installZipJob(deps: MoopanelJobDeps): JobDefinition<InstallZipPayload> {
  return installZipJobType.define({
    onFailure: failureCallback(deps, 'zip_installs_finished', (payload, job, summary) => ({
      instanceId: payload.instanceId,
      body: zipInstallsFinishedBody({
        jobId: job.id, userId: payload.userId, username: payload.username,
        updates: payload.urls.map((link) => ({ link, status: false, component: null, version: null, error: 'Internal error.' })),
      }),
      summary,
    })),
    async run(ctx) {
      const { payload, job } = ctx
      const panel = deps.callbackTarget().moopanelUrl
      const origins = panel ? [new URL(panel).origin] : []
      const results = await runPluginItems(deps, ctx, payload.urls, (url, _i, dir) => decide(deps, ctx, url, dir, origins))
      const summary = failureSummary(results, results.map((r) => r.component ?? 'unknown'))
      const body = zipInstallsFinishedBody({
        jobId: job.id,
        userId: payload.userId,
        username: payload.username,
        updates: payload.urls.map((link, i) => ({
          link,
          status: results[i]!.status,
          component: results[i]!.component,
          version: results[i]!.version,
          error: results[i]!.error,
        })),
      })
      await requestCallback(
        deps,
        { kind: 'zip_installs_finished', instanceId: payload.instanceId, body: JSON.stringify(body), jobId: job.id, outcome: summary ? 'failure' : 'success', summary },
        ctx.nowMs(),
      )
      return { results: results.map((r) => ({ status: r.status, component: r.component, error: r.error })) }
    },
  })
}

async function decide(
  deps: MoopanelJobDeps,
  ctx: Parameters<typeof stagePluginPackage>[1],
  url: string,
  dir: string,
  origins: string[],
): Promise<ItemResult | ItemPlan> {
  forgetPluginState(deps.moodle)
  const facts = await readSiteCodeFacts(deps.moodle)
  if (facts.deployDisabled) return { status: false, error: DEPLOY_DISABLED_MESSAGE, component: null, version: null }
  const staged = await stagePluginPackage(deps, ctx, { url, md5: null, dir, facts, extraAllowedOrigins: origins })
  if (!staged.ok) return { status: false, error: staged.error, component: staged.component, version: staged.version }
  const { pkg } = staged
  const version = String(pkg.version)
  const fail = (error: string): ItemResult => ({ status: false, error, component: pkg.component, version })
  if (facts.standard.get(pkg.type)?.has(pkg.name)) return fail('Standard plugins cannot be replaced.')
  const installed = await readInstalledVersion(deps.moodle, pkg.component)
  if (installed !== null && compareVersions(version, installed) < 0) return fail('Downgrade not allowed.')
  const targetDir = pluginTargetDir(facts.typeDirs, pkg.type, pkg.name)
  if (!targetDir) return fail('Invalid component name.')
  return { component: pkg.component, version, targetDir, stagedDir: pkg.path, allowUnstable: facts.maturity < 200 }
}
