import type { Store } from '../store/index.ts'
import { leaseHeld, type JobLease } from './claim-next-job.ts'
import { renewSiteLock } from './site-lock.ts'

/**
 * Extends a held lease (and the job's hold on the site lock) to `nowMs + leaseMs`. False when the
 * lease was lost: the job is no longer this attempt's and its results must be dropped.
 */
export async function renewLease(store: Store, lease: JobLease, options: { nowMs: number; leaseMs: number }): Promise<boolean> {
  const untilMs = options.nowMs + options.leaseMs
  return store.db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('store_jobs')
      .set({ lease_until_ms: untilMs, updated_at_ms: options.nowMs })
      .where(leaseHeld(lease))
      .executeTakeFirst()
    const held = Number(result.numUpdatedRows) === 1
    if (held && lease.moodleChanging) await renewSiteLock(trx, lease.site, lease.id, untilMs)
    return held
  })
}
