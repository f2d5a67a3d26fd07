import type { Store } from '../store/index.ts'
import type { JobLease } from './claim-next-job.ts'
import { endAttempt } from './end-attempt.ts'

/**
 * Records a final failure: outcome `failure` with `summary` (cut to 255 characters, what
 * `/tasks/check` returns as `error`), state `finished` (or `reporting` when a callback must still
 * settle it). False when the lease was lost.
 */
export async function failJob(
  store: Store,
  lease: JobLease,
  options: { summary: string; nowMs: number; result?: unknown; reporting?: boolean },
): Promise<boolean> {
  return endAttempt(
    store,
    lease,
    { state: options.reporting ? 'reporting' : 'finished', outcome: 'failure', summary: options.summary, result: options.result },
    options.nowMs,
  )
}
