import { defineJob, type JobDefinition, type NewJob } from '../../jobs/index.ts'
import { forgetPluginState, movePluginToRollback, readInstalledVersion, runMoodleScript } from '../../moodle/index.ts'
import { runPostChangeCommand } from './apply-plugin-code.ts'
import type { MoopanelJobDeps } from './job-deps.ts'

/** The plugin to uninstall and where its code lives (relative to the Moodle root). */
export interface UninstallPayload {
  component: string
  dir: string | null
}

const NAME = 'plugin_uninstall'
/** The script may run this long (moopanel-api.md §4.10: the request waits at most 600 s). */
const SCRIPT_TIMEOUT_MS = 590_000

/** The job row of an uninstall (internal type: `/tasks/check` answers 4 for it). */
export function uninstallRequest(payload: UninstallPayload): NewJob {
  return { type: NAME, payload, moodleChanging: true, maxAttempts: 1 }
}

/**
 * `plugin_uninstall` (§4.10): Moodle's `uninstall_plugins.php --run` under the site lock; success
 * is judged by the plugin no longer having a database version (the script exits 0 even when it
 * refuses). Then the code folder moves to the rollback area, `post_code_change_command` runs and
 * everything read about plugins is forgotten.
 */
export function uninstallPluginJob(deps: MoopanelJobDeps): JobDefinition<UninstallPayload> {
  return defineJob<UninstallPayload>({
    name: NAME,
    moodleChanging: true,
    maxAttempts: 1,
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
        if (removed) await runPostChangeCommand(deps)
      }
      forgetPluginState(deps.moodle)
      return { uninstalled, removed }
    },
  })
}
