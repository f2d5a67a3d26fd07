import { PLUGINS_UPDATE_JOB } from './job-names.ts'
import { declareJob, type JobDefinition } from '../../jobs/index.ts'
import { compareVersions, forgetPluginState, getPluginInventory, readSiteCodeFacts } from '../../moodle/index.ts'
import { pluginUpdatesFinishedBody } from '../callbacks/callback-bodies.ts'
import { failureCallback } from './failure-callback.ts'
import type { MoopanelJobDeps } from './job-deps.ts'
import { failureSummary, pluginTargetDir, runPluginItems, type ItemPlan, type ItemResult } from './plugin-job-support.ts'
import { requestCallback } from './send-callback.ts'
import { stagePluginPackage } from './stage-plugin-package.ts'

/** One requested update (moopanel-api.md §4.7). */
export interface PluginUpdateItem {
  modelId: number
  component: string
  version: string
  download: string | null
}

/** What POST /plugins/updates enqueues. */
export interface UpdatePluginsPayload {
  instanceId: number
  userId: number | null
  username: string | null
  updates: PluginUpdateItem[]
}

export const DEPLOY_DISABLED_MESSAGE = 'Code deployment is disabled on this site.'

/** The `plugins_update` type: one job per request, Moodle-changing (exclusive site lock). */
export const updatePluginsJobType = declareJob<UpdatePluginsPayload>({ name: PLUGINS_UPDATE_JOB, moodleChanging: true, maxAttempts: 3, reports: true })

/** The job row of one update request. */
export const updatePluginsRequest = updatePluginsJobType.request

/**
 * `plugins_update` (§5.6): each item in order through rules 1–12 — checks against the code and the
 * stored update data, download of the stored URL, package validation, swap, upgrade, rollback —
 * then one callback (§6.6) with a result per item. Attempts 2 and 3 only follow transient download
 * failures or a dead worker; decided items are journalled and never repeated.
 */
export function updatePluginsJob(deps: MoopanelJobDeps): JobDefinition<UpdatePluginsPayload> {
  return updatePluginsJobType.define({
    onFailure: failureCallback(deps, 'plugin_updates_finished', (payload, job, summary) => ({
      instanceId: payload.instanceId,
      body: pluginUpdatesFinishedBody({
        jobId: job.id, userId: payload.userId, username: payload.username,
        updates: payload.updates.map((u) => ({ modelId: u.modelId, status: false, component: u.component, error: 'Internal error.' })),
      }),
      summary,
    })),
    async run(ctx) {
      const { payload, job } = ctx
      const results = await runPluginItems(deps, ctx, payload.updates, (item, _i, dir) => decide(deps, ctx, item, dir))
      const summary = failureSummary(results, payload.updates.map((u) => u.component))
      const body = pluginUpdatesFinishedBody({
        jobId: job.id,
        userId: payload.userId,
        username: payload.username,
        updates: payload.updates.map((u, i) => ({ modelId: u.modelId, status: results[i]!.status, component: u.component, error: results[i]!.error })),
      })
      await requestCallback(
        deps,
        { kind: 'plugin_updates_finished', instanceId: payload.instanceId, body: JSON.stringify(body), jobId: job.id, outcome: summary ? 'failure' : 'success', summary },
        ctx.nowMs(),
      )
      return { results: results.map((r) => ({ status: r.status, error: r.error })) }
    },
  })
}

/** Rules 1–9 for one item: a result, or the plan to swap (rules 10–12 are applied by the caller). */
async function decide(deps: MoopanelJobDeps, ctx: Parameters<typeof stagePluginPackage>[1], item: PluginUpdateItem, dir: string): Promise<ItemResult | ItemPlan> {
  const fail = (error: string): ItemResult => ({ status: false, error, component: item.component, version: null })
  forgetPluginState(deps.moodle)
  const [inventory, facts] = await Promise.all([getPluginInventory(deps.moodle), readSiteCodeFacts(deps.moodle)])
  const entry = inventory.byComponent.get(item.component)
  if (!entry || entry.versionDb === null) return fail('Plugin not exist in Moodle')
  if (entry.disk === null) return fail('Update not found') // code missing from disk: Moodle offers no update for it
  const code = entry.disk?.version != null ? String(entry.disk.version) : entry.versionDb
  const vsCode = compareVersions(item.version, code)
  if (vsCode === 0) return { status: true, error: 'Update already installed', component: item.component, version: item.version }
  if (vsCode < 0) return { status: true, error: 'Newer version of plugin already installed', component: item.component, version: item.version }
  if (!entry.storedUpdates.some((u) => compareVersions(u.version, code) > 0)) return fail('Update not found')
  const stored = entry.storedUpdates.find(
    (u) => compareVersions(u.version, item.version) === 0 && (item.download === null || u.download === item.download),
  )
  if (!stored || !stored.download) return fail('Update not exist')
  if (facts.deployDisabled) return fail(DEPLOY_DISABLED_MESSAGE)
  const staged = await stagePluginPackage(deps, ctx, { url: stored.download, md5: stored.downloadmd5, dir, facts })
  if (!staged.ok) return fail(staged.error)
  if (staged.pkg.component !== item.component) return fail('Component mismatch.')
  if (compareVersions(String(staged.pkg.version), item.version) !== 0) return fail('Version mismatch.')
  const targetDir = entry.disk ? entry.disk.dir.replace(/^\/+/, '') : pluginTargetDir(facts.typeDirs, entry.type, entry.name)
  if (!targetDir) return fail('Invalid component name.')
  return { component: item.component, version: item.version, targetDir, stagedDir: staged.pkg.path, allowUnstable: facts.maturity < 200 }
}
