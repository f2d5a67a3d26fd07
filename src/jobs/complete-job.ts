import type { Store } from '../store/index.ts'
import type { JobLease } from './claim-next-job.ts'
import { endAttempt } from './end-attempt.ts'

/**
 * Records a successful attempt: outcome `success`, the result as JSON, state `finished` (or
 * `reporting` when a callback must still settle it). False when the lease was lost.
 */
export async function completeJob(
  store: Store,
  lease: JobLease,
  options: { result: unknown; nowMs: number; reporting?: boolean; summary?: string },
): Promise<boolean> {
  return endAttempt(
    store,
    lease,
    { state: options.reporting ? 'reporting' : 'finished', outcome: 'success', summary: options.summary ?? null, result: options.result },
    options.nowMs,
  )
}
