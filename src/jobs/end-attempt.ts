import type { Store } from '../store/index.ts'
import { leaseHeld, type JobLease } from './claim-next-job.ts'
import { releaseSiteLock } from './site-lock.ts'

/** Column values that end an attempt. */
export interface AttemptEnd {
  state: 'queued' | 'retry_wait' | 'reporting' | 'finished'
  outcome: 'success' | 'failure' | null
  summary: string | null
  result: unknown
  runAfterMs?: number
}

/**
 * Writes the end of an attempt and frees the lease and the site lock, in one transaction, only
 * while the caller still holds the lease (same owner and attempt, state `running`). False when
 * the lease was lost (it expired and another worker re-claimed the job): nothing is written.
 */
export async function endAttempt(store: Store, lease: JobLease, end: AttemptEnd, nowMs: number): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('store_jobs')
      .set({
        state: end.state,
        outcome: end.outcome,
        summary: end.summary === null ? null : truncate(end.summary, 255),
        result: end.result === undefined ? null : JSON.stringify(end.result),
        lease_owner: null,
        lease_until_ms: null,
        updated_at_ms: nowMs,
        ...(end.runAfterMs === undefined ? {} : { run_after_ms: end.runAfterMs }),
        ...(end.state === 'finished' ? { finished_at_ms: nowMs } : {}),
      })
      .where(leaseHeld(lease))
      .executeTakeFirst()
    const held = Number(result.numUpdatedRows) === 1
    if (held && lease.moodleChanging) await releaseSiteLock(trx, lease.site, lease.id)
    return held
  })
}

/** At most `max` characters, without splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text
  const cut = text.slice(0, max)
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut
}
