import { randomUUID } from 'node:crypto'
import { RetryableError, declareJob, enqueueJobs, settleJob, type JobDefinition } from '../../jobs/index.ts'
import { isAbandoned, nextCallbackDelayMs } from '../callbacks/callback-schedule.ts'
import { callbackContentType, callbackUrl, type CallbackKind } from '../callbacks/callback-urls.ts'
import { deliverCallbackAttempt } from '../callbacks/deliver-callback.ts'
import { forgetPendingTargets } from '../pending-targets.ts'
import type { MoopanelJobDeps } from './job-deps.ts'
import { JOB_NAMES } from './job-names.ts'

/** One callback to deliver, and the job whose result it reports. */
export interface CallbackPayload {
  kind: CallbackKind
  instanceId: number
  /** The exact body, identical on every attempt. */
  body: string
  /** The reporting job, settled when this callback is accepted, rejected or abandoned. */
  jobId: number
  outcome: 'success' | 'failure'
  summary: string | null
  /**
   * For a job whose delivery is the work itself (the admin preset, §5.2): when set, a callback
   * that is rejected or abandoned settles the job as a failure with this summary.
   */
  failureUnlessAccepted?: string
}

/** Attempts of a callback job: enough for 24 h of back-off capped at 1 h; abandonment decides earlier. */
const MAX_ATTEMPTS = 200
/** While the reporting job has not reached `reporting` yet (its worker is still recording it). */
const NOT_YET_REPORTING_MS = 500

/** The `callback.send` type: never touches Moodle, so it runs during upgrades and maintenance. */
export const sendCallbackJobType = declareJob<CallbackPayload>({
  name: JOB_NAMES.callbackSend,
  moodleChanging: false,
  touchesMoodle: false,
  maxAttempts: MAX_ATTEMPTS,
})

/**
 * `callback.send` (moopanel-api.md §6.1): one delivery per attempt; 2xx accepted, 408/429/5xx and
 * network errors retried with back-off (Retry-After honoured), other statuses rejected; after
 * `callback_max_age_s` abandoned. Accepted, rejected or abandoned settle the reported job, so
 * `/tasks/check` turns 1 or 3 only after the callback had its chance.
 */
export function sendCallbackJob(deps: MoopanelJobDeps): JobDefinition<CallbackPayload> {
  return sendCallbackJobType.define({
    async run({ job, payload, nowMs, signal, log }) {
      const settle = async (result: string) => {
        const undelivered = payload.failureUnlessAccepted !== undefined && result !== 'accepted'
        const outcome = undelivered ? { outcome: 'failure' as const, summary: payload.failureUnlessAccepted! } : { outcome: payload.outcome, summary: payload.summary }
        const done = await settleJob(deps.store, payload.jobId, { nowMs: nowMs(), ...outcome })
        if (!done) throw new RetryableError('the reported job is not in reporting yet', NOT_YET_REPORTING_MS)
        // A settled install no longer holds its target in the listings (§4.0): show that at once.
        forgetPendingTargets(deps.store)
        return { result }
      }
      if (isAbandoned(job.createdAtMs, nowMs(), deps.callbackMaxAgeS)) return settle('abandoned')
      const { apiKey, moopanelUrl } = deps.callbackTarget()
      if (!apiKey || !moopanelUrl) throw new RetryableError('moopanel_url and api_key are needed to send callbacks', 60_000)
      const wait = deps.pacer.waitMs()
      if (wait > 0) throw new RetryableError('callback rate limit', wait)
      deps.pacer.recordSend()
      const attempt = await deliverCallbackAttempt({
        url: callbackUrl(payload.kind, moopanelUrl, payload.instanceId),
        body: payload.body,
        contentType: callbackContentType(payload.kind),
        apiKey,
        requestId: randomUUID(),
        userAgent: deps.userAgent,
        signal,
      })
      log.info({ jobId: payload.jobId, kind: payload.kind, status: attempt.status, outcome: attempt.outcome }, 'callback attempt')
      if (attempt.outcome === 'retry') {
        throw new RetryableError(`callback not delivered: ${attempt.error ?? `HTTP ${attempt.status}`}`, nextCallbackDelayMs(job.attempt, { retryAfterMs: attempt.retryAfterMs }))
      }
      return settle(attempt.outcome)
    },
  })
}

/** Queues the callback of a job once (a retried job does not queue a second one). */
export async function requestCallback(deps: Pick<MoopanelJobDeps, 'store'>, payload: CallbackPayload, nowMs: number): Promise<void> {
  await enqueueJobs(deps.store, [sendCallbackJobType.request(payload)], { nowMs, idempotencyKey: `callback:${payload.jobId}`, windowS: 7 * 86_400 })
}
