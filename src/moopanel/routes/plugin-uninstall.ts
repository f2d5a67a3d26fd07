import { setTimeout as sleep } from 'node:timers/promises'
import { cancelQueuedJob, countUnfinishedMoodleChangingJobs, enqueueJobs, findJob } from '../../jobs/index.ts'
import type { PluginEntry } from '../../moodle/index.ts'
import { REFUSED, refused } from '../async/accept-async.ts'
import { errorReply, ok, type EndpointContext, type Reply } from '../context.ts'
import { uninstallRequest } from '../jobs/uninstall-plugin.ts'

/** The site lock must be had within this time, else 503 (moopanel-api.md §4.10). */
const LOCK_WAIT_MS = 30_000
/** The request waits at most this long for the outcome. */
const OUTCOME_WAIT_MS = 600_000
const POLL_MS = 200

/**
 * POST /plugin/uninstall (§4.10), after the two /plugin checks: `confirm` must be JSON true, the
 * plugin installed and not standard, no Moodle-changing job pending; then a `plugin_uninstall` job
 * runs under the site lock (by any worker) while the request waits for its outcome.
 */
export async function uninstallPlugin(ctx: EndpointContext, plugin: PluginEntry): Promise<Reply> {
  if (ctx.payload['confirm'] !== true) return errorReply('MB_UNINSTALL_NOT_CONFIRMED')
  if (plugin.versionDb === null || plugin.isStandard) return errorReply('MB_UNINSTALL_REFUSED')
  const { store } = ctx.deps
  if ((await countUnfinishedMoodleChangingJobs(store)) > 0 || (await refused(ctx))) return REFUSED
  const { ids } = await enqueueJobs(store, [uninstallRequest({ component: plugin.component, dir: plugin.disk?.dir ?? null })], {
    nowMs: ctx.deps.nowMs(),
  })
  const id = ids[0]!
  const started = Date.now()
  for (;;) {
    const job = await findJob(store, id)
    if (!job) return errorReply('MB_UNINSTALL_REFUSED')
    if (job.state === 'queued' && Date.now() - started > LOCK_WAIT_MS && (await cancelQueuedJob(store, id))) return REFUSED
    if (job.state === 'finished') {
      const result = parseResult(job.result)
      if (job.outcome !== 'success' || !result) return errorReply('MB_UNINSTALL_REFUSED')
      if (!result.uninstalled) return errorReply('MB_UNINSTALL_REFUSED')
      return ok({ uninstalled: true, removed: result.removed })
    }
    if (Date.now() - started > OUTCOME_WAIT_MS) return errorReply('MB_UNINSTALL_REFUSED')
    await sleep(POLL_MS)
  }
}

function parseResult(text: string | null): { uninstalled: boolean; removed: boolean } | null {
  try {
    const r = JSON.parse(text ?? 'null') as { uninstalled?: unknown; removed?: unknown } | null
    return r ? { uninstalled: r.uninstalled === true, removed: r.removed === true } : null
  } catch {
    return null
  }
}
