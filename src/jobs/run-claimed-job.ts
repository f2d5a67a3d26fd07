import type { Store } from '../store/index.ts'
import type { ClaimedJob } from './claim-next-job.ts'
import { completeJob } from './complete-job.ts'
import type { JobContext, JobDefinition, JobJournal, JobLogger, JobResult } from './define-job.ts'
import { leaseHeld } from './claim-next-job.ts'
import { failJob } from './fail-job.ts'
import { renewLease } from './renew-lease.ts'
import { retryJob } from './retry-job.ts'
import { RetryableError } from './retryable-error.ts'
import { CANCEL_STEP, CANCELLED_SUMMARY } from './operator-actions.ts'
import { retryDelayMs } from './retry-delay.ts'

/** What one execution needs from its worker. */
export interface ExecutionDeps {
  store: Store
  leaseMs: number
  heartbeatMs: number
  nowMs: () => number
  log: JobLogger
  random: () => number
}

/** A job being executed; `abandon()` stops its heartbeat and drops its result (the lease then expires). */
export interface Execution {
  done: Promise<void>
  abandon(): void
}

type Ending =
  | { kind: 'success'; result: JobResult }
  | { kind: 'retry'; delayMs: number; summary: string }
  | { kind: 'failure'; summary: string }

class JobTimeoutError extends Error {
  override readonly name = 'JobTimeoutError'
}

/**
 * Runs one claimed job: parses its payload, calls `run` with a context, renews the lease every
 * `heartbeatMs`, enforces the definition's timeout and records the ending (success, retry with
 * backoff, failure). When the lease is lost or the execution is abandoned, nothing is written.
 * Never rejects: failures to record are logged.
 */
export function runClaimedJob(job: ClaimedJob, definition: JobDefinition<unknown>, deps: ExecutionDeps): Execution {
  const { store, nowMs } = deps
  const log = deps.log.child?.({ jobId: job.id, job: job.type }) ?? deps.log
  const controller = new AbortController()
  let lost = false
  let abandoned = false

  const heartbeat = async (): Promise<boolean> => {
    if (lost || abandoned) return false
    try {
      const held = await renewLease(store, job, { nowMs: nowMs(), leaseMs: deps.leaseMs })
      if (!held && !abandoned) {
        lost = true
        log.warn({ attempt: job.attempt }, 'job lease lost')
        controller.abort(new Error('job lease lost'))
      }
      return held
    } catch (error) {
      log.warn({ err: error }, 'job lease renewal failed')
      return false
    }
  }
  const timer = setInterval(() => void heartbeat(), deps.heartbeatMs)

  let parsedPayload: { value: unknown } | null = null
  const execute = async (): Promise<Ending> => {
    let payload: unknown
    try {
      payload = definition.parsePayload(job.payload)
    } catch (error) {
      return { kind: 'failure', summary: `Invalid payload: ${messageOf(error)}` }
    }
    parsedPayload = { value: payload }
    // `jobs cancel` marked it before any step ran: it ends through the type's failure path.
    if (CANCEL_STEP in job.journal) return { kind: 'failure', summary: CANCELLED_SUMMARY }
    if (job.attempt > job.maxAttempts) return { kind: 'failure', summary: 'Lease expired after the last attempt.' }
    const ctx: JobContext<unknown> = {
      job: { id: job.id, type: job.type, attempt: job.attempt, maxAttempts: job.maxAttempts, requestId: job.requestId, createdAtMs: job.createdAtMs },
      payload,
      heartbeat,
      log,
      signal: controller.signal,
      nowMs,
      journal: openJournal(store, job),
    }
    try {
      return { kind: 'success', result: await withTimeout(definition.run(ctx), definition.timeoutMs, controller) }
    } catch (error) {
      if (error instanceof RetryableError && job.attempt < job.maxAttempts) {
        return { kind: 'retry', delayMs: error.delayMs ?? retryDelayMs(job.attempt, definition.backoff, deps.random), summary: error.message }
      }
      if (!(error instanceof RetryableError) && !(error instanceof JobTimeoutError)) log.error({ err: error, attempt: job.attempt }, 'job failed unexpectedly')
      return { kind: 'failure', summary: messageOf(error) }
    }
  }

  const done = (async () => {
    let ending: Ending
    try {
      ending = await execute()
    } finally {
      clearInterval(timer)
    }
    if (lost || abandoned) return
    if (ending.kind === 'failure' && definition.onFailure && parsedPayload) {
      const runningJob = { id: job.id, type: job.type, attempt: job.attempt, maxAttempts: job.maxAttempts, requestId: job.requestId, createdAtMs: job.createdAtMs }
      await definition
        .onFailure({ job: runningJob, payload: (parsedPayload as { value: unknown }).value, nowMs, log }, ending.summary)
        .catch((error: unknown) => log.error({ err: error }, 'job failure handler failed'))
    }
    const at = nowMs()
    const reporting = definition.reports
    const recorded =
      ending.kind === 'success'
        ? await completeJob(store, job, { result: ending.result, nowMs: at, reporting })
        : ending.kind === 'retry'
          ? await retryJob(store, job, { delayMs: ending.delayMs, summary: ending.summary, nowMs: at })
          : await failJob(store, job, { summary: ending.summary, nowMs: at, reporting })
    if (!recorded) log.warn({ attempt: job.attempt }, 'job lease lost before its ending was recorded')
    else log.info({ attempt: job.attempt, ending: ending.kind, ...(ending.kind === 'success' ? {} : { summary: ending.summary }) }, 'job attempt ended')
  })().catch((error: unknown) => log.error({ err: error }, 'job ending not recorded'))

  return {
    done,
    abandon() {
      abandoned = true
      clearInterval(timer)
      controller.abort(new Error('worker stopped'))
    },
  }
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number | null, controller: AbortController): Promise<T> {
  if (timeoutMs === null) return work
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new JobTimeoutError('Job timed out.')
      controller.abort(error)
      reject(error)
    }, timeoutMs)
  })
  try {
    return await Promise.race([work, expired])
  } finally {
    clearTimeout(timer)
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error && error.message ? error.message : 'Internal error.'
}

/** The journal of a claimed job: read from the claim, each record written at once under the lease. */
function openJournal(store: Store, job: ClaimedJob): JobJournal {
  const steps: Record<string, unknown> = { ...job.journal }
  return {
    get: <T>(step: string) => steps[step] as T | undefined,
    async record(step, value) {
      steps[step] = value
      const result = await store.db.updateTable('store_jobs').set({ journal: JSON.stringify(steps) }).where(leaseHeld(job)).executeTakeFirst()
      if (Number(result.numUpdatedRows) !== 1) throw new Error('job lease lost')
    },
  }
}
