import type { Store } from '../store/index.ts'

/**
 * Deletes the site's jobs finished more than `retentionDays` ago (moopanel-api.md §5.4
 * `job_retention_days`) — every site's with `allSites` (one housekeeping for a shared store) — and
 * idempotency records older than that of every site (their site is folded into the key's hash; a
 * record is used for minutes and kept for days); returns the number of jobs deleted.
 */
export async function purgeFinishedJobs(store: Store, options: { retentionDays: number; nowMs: number; allSites?: boolean }): Promise<number> {
  const beforeMs = options.nowMs - options.retentionDays * 86_400_000
  const result = await store.db
    .deleteFrom('store_jobs')
    .$if(!options.allSites, (qb) => qb.where('site', '=', store.site))
    .where('state', '=', 'finished')
    .where('finished_at_ms', '<', beforeMs)
    .executeTakeFirst()
  await store.db.deleteFrom('store_idempotency').where('created_at_ms', '<', beforeMs).execute()
  return Number(result.numDeletedRows)
}
