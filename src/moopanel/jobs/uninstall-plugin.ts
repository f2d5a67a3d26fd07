import { declareJob, type JobDefinition } from '../../jobs/index.ts'
import { forgetPluginState, movePluginToRollback, readInstalledVersion, readSiteCodeFacts, runMoodleScript, runUpgrade } from '../../moodle/index.ts'
import { runPostChangeCommand } from './apply-plugin-code.ts'
import type { MoopanelJobDeps } from './job-deps.ts'
import { JOB_NAMES } from './job-names.ts'

/** The plugin to uninstall and where its code lives (relative to the Moodle root). */
export interface UninstallPayload {
  component: string
  dir: string | null
}

/** The script may run this long (moopanel-api.md §4.10: the request waits at most 600 s). */
const SCRIPT_TIMEOUT_MS = 590_000

/** The `plugin_uninstall` type: Moodle-changing, one attempt (the request waits for its outcome). */
export const uninstallPluginJobType = declareJob<UninstallPayload>({ name: JOB_NAMES.pluginUninstall, moodleChanging: true, maxAttempts: 1 })

/** The job row of an uninstall (internal type: `/tasks/check` answers 4 for it). */
export const uninstallRequest = uninstallPluginJobType.request

/**
 * `plugin_uninstall` (§4.10): Moodle's `uninstall_plugins.php --run` under the site lock; success
 * is judged by the plugin no longer having a database version (the script exits 0 even when it
 * refuses). Then the code folder moves to the rollback area, `post_code_change_command` runs and
 * everything read about plugins is forgotten. Removing a folder changes the code tree that Moodle's
 * `allversionshash` fingerprints: until an upgrade runs, Moodle counts an upgrade as pending (its
 * web pages ask for one and its CLI scripts refuse to run, `upgrade.php --is-pending` exits 2;
 * seen on a real 4.5.6 site). So after the removal the (no-op) upgrade runs once, as Moodle's own
 * admin pages do after an uninstall; its failure is logged, the uninstall stands.
 */
export function uninstallPluginJob(deps: MoopanelJobDeps): JobDefinition<UninstallPayload> {
  return uninstallPluginJobType.define({
    async run({ job, payload, signal, log }) {
      const script = await runMoodleScript(deps.moodle, 'uninstall_plugins', {
        phpBinary: deps.code.phpBinary,
        args: [`--plugins=${payload.component}`, '--run'],
        timeoutMs: SCRIPT_TIMEOUT_MS,
        signal,
      })
      log.info({ component: payload.component, exitCode: script.exitCode, output: script.stdout.slice(-2000) }, 'uninstall script')
      const uninstalled = (await readInstalledVersion(deps.moodle, payload.component)) === null
      let removed = false
      if (uninstalled && payload.dir) {
        removed = await movePluginToRollback(deps.moodle, payload.dir, { stagingDir: deps.code.stagingDir, jobId: job.id, component: payload.component })
        if (removed) {
          await runPostChangeCommand(deps)
          forgetPluginState(deps.moodle)
          const facts = await readSiteCodeFacts(deps.moodle)
          const upgrade = await runUpgrade(deps.moodle, { phpBinary: deps.code.phpBinary, allowUnstable: facts.maturity < 200, signal })
          if (upgrade.exitCode === 0) log.info({ component: payload.component }, 'upgrade after the removal done')
          else log.warn({ component: payload.component, exitCode: upgrade.exitCode, output: upgrade.stdout.slice(-2000), errors: upgrade.stderr.slice(-2000) }, 'upgrade after the removal failed')
        }
      }
      forgetPluginState(deps.moodle)
      return { uninstalled, removed }
    },
  })
}
