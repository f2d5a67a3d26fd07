import { declareJob, enqueueJobs, listUnfinishedJobs, type JobDefinition, type JobLogger } from '../../jobs/index.ts'
import { readCoreSettings, readPluginSettings, refreshUpdateInfo, type Moodle } from '../../moodle/index.ts'
import { readStoreSetting, writeStoreSetting, type Store } from '../../store/index.ts'
import type { MoopanelJobDeps } from './job-deps.ts'
import { JOB_NAMES } from './job-names.ts'

/** §5.4: helpers other than backup and restore get 10 minutes. */
const HELPER_TIMEOUT_MS = 10 * 60_000
/** When this service last asked for a refresh (epoch ms), so that a failing fetch is not repeated at every tick. */
const LAST_REQUESTED = 'update_check.last_requested_ms'

/** `update_check` and `update_check_interval_s` (moopanel-api.md §2, §5.13). */
export interface UpdateCheckOptions {
  mode: 'auto' | 'on' | 'off'
  intervalS: number
}

/** The `update_check_refresh` type: it only reads Moodle (and writes Moodle's own cache), under the shared site lock. */
export const refreshUpdateInfoJobType = declareJob<Record<string, never>>({
  name: JOB_NAMES.updateCheckRefresh,
  moodleChanging: false,
  sharedLock: true,
  maxAttempts: 2,
  timeoutMs: HELPER_TIMEOUT_MS + 60_000,
})
const NAME = refreshUpdateInfoJobType.name

/**
 * `update_check_refresh` (internal, §5.13): Moodle's own update-checker fetch through the helper,
 * which stores `core_plugin/recentfetch` and `recentresponse` as Moodle does. A failure is logged
 * and ends the job as failed (counted in the job table); the stored data stay as they were and the
 * next interval tries again. Never triggered by an API request; `/tasks/check` does not show it.
 */
export function refreshUpdateInfoJob(deps: MoopanelJobDeps): JobDefinition<Record<string, never>> {
  return refreshUpdateInfoJobType.define({
    async run({ signal, log }) {
      const result = await refreshUpdateInfo(deps.moodle, { phpBinary: deps.code.phpBinary, timeoutMs: HELPER_TIMEOUT_MS, signal })
      if (!result.ok) {
        log.warn({ error: result.error, detail: result.message, exitCode: result.exitCode }, 'update check failed')
        throw new Error(`Update check failed: ${result.error}`)
      }
      return { fetchedAt: result.fetchedAt === null ? null : Math.floor(result.fetchedAt.getTime() / 1000) }
    },
  })
}

/**
 * Queues a refresh when one is due: `update_check` is `on`, or `auto` with Moodle's
 * `updateautocheck` on; config.php does not set `disableupdatenotifications`; no refresh is
 * unfinished; and both Moodle's last fetch and this service's last request are at least
 * `intervalS` old. Several processes may call it: the slot's idempotency key lets one enqueue.
 * Returns the new job's id, or null.
 */
export async function requestUpdateRefreshIfDue(
  deps: { moodle: Moodle; store: Store },
  options: UpdateCheckOptions & { nowMs: number },
): Promise<number | null> {
  if (options.mode === 'off') return null
  const core = await readCoreSettings(deps.moodle, ['updateautocheck', 'disableupdatenotifications'])
  if (truthy(core.get('disableupdatenotifications'))) return null
  if (options.mode === 'auto' && !truthy(core.get('updateautocheck'))) return null
  if ((await listUnfinishedJobs(deps.store, NAME)).length > 0) return null
  const intervalMs = options.intervalS * 1000
  const fetchedMs = Number((await readPluginSettings(deps.moodle, 'core_plugin')).get('recentfetch') ?? 0) * 1000
  const requestedMs = Number((await readStoreSetting(deps.store, LAST_REQUESTED)) ?? 0)
  if (options.nowMs - Math.max(fetchedMs || 0, requestedMs || 0) < intervalMs) return null
  await writeStoreSetting(deps.store, LAST_REQUESTED, String(options.nowMs))
  const job = refreshUpdateInfoJobType.request({})
  const slot = Math.floor(options.nowMs / intervalMs)
  const { ids, replayed } = await enqueueJobs(deps.store, [job], { nowMs: options.nowMs, idempotencyKey: `${NAME}:${slot}`, windowS: options.intervalS })
  return replayed ? null : (ids[0] ?? null)
}

/**
 * Checks every few minutes (first after a minute) whether a refresh is due and queues it. The
 * timers never keep the process alive; returns a stop function.
 */
export function startUpdateRefresh(
  deps: { moodle: Moodle; store: Store },
  options: UpdateCheckOptions & { nowMs: () => number; log: JobLogger },
): () => void {
  if (options.mode === 'off') return () => {}
  const tick = async () => {
    try {
      const id = await requestUpdateRefreshIfDue(deps, { ...options, nowMs: options.nowMs() })
      if (id !== null) options.log.info({ jobId: id }, 'update check queued')
    } catch (error) {
      options.log.warn({ err: error }, 'update check scheduling failed')
    }
  }
  const first = setTimeout(() => void tick(), 60_000)
  const timer = setInterval(() => void tick(), Math.min(options.intervalS * 1000, 5 * 60_000))
  first.unref()
  timer.unref()
  return () => {
    clearTimeout(first)
    clearInterval(timer)
  }
}

/** PHP's truthiness of a setting value ('', '0' and absent are false). */
function truthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0'
}
