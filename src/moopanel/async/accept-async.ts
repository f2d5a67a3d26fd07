import { countJobsChangePending, countUnfinishedJobs, enqueueJobs, findReplay, type NewJob } from '../../jobs/index.ts'
import { readCoreSettings } from '../../moodle/index.ts'
import { errorReply, type EndpointContext, type Reply } from '../context.ts'
import { RAW_JSON } from '../raw-json.ts'
import { forgetPendingTargets } from '../pending-targets.ts'
import { CORE_UPDATE_JOB } from '../jobs/job-names.ts'
import { requestKey } from './request-key.ts'

/** What an asynchronous endpoint decided after validating its request. */
export type AsyncPlan =
  | { kind: 'error'; reply: Reply }
  | { kind: 'jobs'; jobs: NewJob[]; respond: (ids: number[]) => object }

/** 503 of the §5.3 refusal; MooPanel waits 15 s and retries. */
export const REFUSED: Reply = { ...errorReply('MB_SERVICE_BUSY'), headers: { 'retry-after': '15' } }

/**
 * The acceptance order of moopanel-api.md §5.3: idempotency lookup (a replay answers at once with
 * the recorded body and `X-Idempotent-Replay: true`), then the endpoint's validation, then the
 * refusal check, then the jobs and the idempotency record in one transaction, then 200.
 */
export async function acceptAsync(
  ctx: EndpointContext,
  plan: () => Promise<AsyncPlan>,
  options: { codeChange?: boolean } = {},
): Promise<Reply> {
  const { store } = ctx.deps
  const key = requestKey(ctx.method, ctx.endpoint, ctx.subPath, ctx.method === 'GET' ? ctx.query : ctx.payload)
  const windowS = ctx.deps.options.idempotencyWindowS
  const earlier = await findReplay(store, key, { nowMs: ctx.deps.nowMs(), windowS })
  if (earlier?.response) return replay(earlier.response)
  const decided = await plan()
  if (decided.kind === 'error') return decided.reply
  if ((await refused(ctx)) || (options.codeChange && (await coreUpdateUnfinished(ctx)))) return REFUSED
  const result = await enqueueJobs(store, decided.jobs, {
    nowMs: ctx.deps.nowMs(),
    idempotencyKey: key,
    windowS,
    response: (ids) => JSON.stringify(decided.respond(ids)),
  })
  if (options.codeChange) forgetPendingTargets(store)
  if (result.replayed && result.response) return replay(result.response)
  return { status: 200, body: { [RAW_JSON]: result.response ?? JSON.stringify(decided.respond([])) } }
}

function replay(response: string): Reply {
  return { status: 200, body: { [RAW_JSON]: response }, headers: { 'x-idempotent-replay': 'true' } }
}

/**
 * §5.3 rule 3: code changes wait while a core update has not finished its change (queued, running
 * or retrying). One whose change is done and that only awaits its callback no longer counts.
 */
export async function coreUpdateUnfinished(ctx: EndpointContext): Promise<boolean> {
  return (await countJobsChangePending(ctx.deps.store, [CORE_UPDATE_JOB])) > 0
}

/** The queue refuses work (§5.3): too many unfinished jobs, an upgrade running, or shutting down. */
export async function refused(ctx: EndpointContext): Promise<boolean> {
  if (ctx.deps.shuttingDown?.()) return true
  if ((await countUnfinishedJobs(ctx.deps.store)) >= ctx.deps.options.queueMaxPending) return true
  const upgrade = Number((await readCoreSettings(ctx.deps.moodle, ['upgraderunning'])).get('upgraderunning') ?? 0)
  return upgrade * 1000 > ctx.deps.nowMs()
}
