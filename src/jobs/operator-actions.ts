import type { Store } from '../store/index.ts'
import { readJob, type JobDetail } from './inspect-jobs.ts'

/** The journal step an operator's cancellation writes; the worker ends such a job as a failure. */
export const CANCEL_STEP = 'operator.cancel'
export const CANCELLED_SUMMARY = 'Cancelled by the operator.'

/** What an operator action did, or why it did nothing. */
export type OperatorOutcome = { ok: true; job: JobDetail } | { ok: false; reason: string }

/**
 * `jobs retry`: a job waiting to retry (its own work or its callback's delivery) runs at once
 * instead of at its next retry time. Anything else is refused with the reason: a finished job is
 * not run again (the request it came from must be sent again), a running one is already running.
 */
export async function retryJobNow(store: Store, id: number, nowMs: number): Promise<OperatorOutcome> {
  const updated = await store.db
    .updateTable('store_jobs')
    .set({ run_after_ms: nowMs, updated_at_ms: nowMs })
    .where('id', '=', id)
    .where('site', '=', store.site)
    .where('state', '=', 'retry_wait')
    .executeTakeFirst()
  const job = await readJob(store, id)
  if (!job) return { ok: false, reason: `job ${id} does not exist (or was purged after job_retention_days)` }
  if (Number(updated.numUpdatedRows) === 1) return { ok: true, job }
  return { ok: false, reason: refusal(job, 'retry') }
}

/**
 * `jobs cancel`: only where cancelling is safe, a job that has not started any step (queued, or
 * waiting to retry with an empty journal). The job is not deleted: it is marked, made due at once,
 * and the worker that claims it ends it as a failure, "Cancelled by the operator.", through the
 * job type's own failure path (a MooPanel job then sends its failure callback). A running job,
 * one with completed steps (it may be mid-swap: it resumes from its last step instead), one that
 * only awaits its callback, and a finished one are refused with the reason.
 */
export async function requestJobCancel(store: Store, id: number, nowMs: number): Promise<OperatorOutcome> {
  const marker = JSON.stringify({ [CANCEL_STEP]: { atMs: nowMs } })
  const updated = await store.db
    .updateTable('store_jobs')
    .set({ journal: marker, run_after_ms: nowMs, updated_at_ms: nowMs })
    .where('id', '=', id)
    .where('site', '=', store.site)
    .where('state', 'in', ['queued', 'retry_wait'])
    .where((eb) => eb.or([eb('journal', 'is', null), eb('journal', '=', ''), eb('journal', '=', '{}')]))
    .executeTakeFirst()
  const job = await readJob(store, id)
  if (!job) return { ok: false, reason: `job ${id} does not exist (or was purged after job_retention_days)` }
  if (Number(updated.numUpdatedRows) === 1) return { ok: true, job }
  return { ok: false, reason: refusal(job, 'cancel') }
}

function refusal(job: JobDetail, action: 'retry' | 'cancel'): string {
  const what = `job ${job.id} (${job.type})`
  if (job.steps.includes(CANCEL_STEP)) return `${what} is already being cancelled`
  switch (job.state) {
    case 'running':
      return action === 'retry'
        ? `${what} is running now (attempt ${job.attempts} of ${job.maxAttempts})`
        : `${what} is running now: cancelling it could leave Moodle half-changed; wait for it to end`
    case 'finished':
      return `${what} has finished (${job.outcome ?? 'no outcome'}${job.summary ? `: ${job.summary}` : ''}); ${action === 'retry' ? 'send the request again from MooPanel to run it again' : 'there is nothing to cancel'}`
    case 'reporting':
      return `${what} has done its work and awaits its callback's delivery; ${action === 'retry' ? 'retry the callback job instead (see jobs show)' : 'its outcome can no longer change'}`
    case 'queued':
      return action === 'retry' ? `${what} is queued and runs as soon as a worker is free` : `${what} changed meanwhile; try again`
    case 'retry_wait':
      return action === 'cancel'
        ? `${what} has completed steps (${job.steps.join(', ')}): cancelling could leave Moodle half-changed; it resumes from its last step when it runs again`
        : `${what} changed meanwhile; try again`
  }
}
