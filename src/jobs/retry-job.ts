import type { Store } from '../store/index.ts'
import type { JobLease } from './claim-next-job.ts'
import { endAttempt } from './end-attempt.ts'

/**
 * Puts the job in `retry_wait` until `nowMs + delayMs`, keeping `summary` (the transient failure)
 * for inspection; it is claimable again afterwards. False when the lease was lost.
 */
export async function retryJob(store: Store, lease: JobLease, options: { delayMs: number; summary: string; nowMs: number }): Promise<boolean> {
  return endAttempt(
    store,
    lease,
    { state: 'retry_wait', outcome: null, summary: options.summary, result: undefined, runAfterMs: options.nowMs + options.delayMs },
    options.nowMs,
  )
}
