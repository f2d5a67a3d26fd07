import { sql } from 'kysely'
import type { Store } from '../store/index.ts'
import { toNumber } from './to-number.ts'

/** One site's share of the queue, as a worker serving every site sees it. */
export interface SiteQueue {
  site: string
  /** Jobs running under a live lease (on any worker of the store). */
  running: number
  /** Jobs a worker could claim now (queued or retrying and due, or running under an expired lease). */
  runnable: number
  /** The oldest runnable job's id. */
  firstId: number
  /** When the next waiting job comes due (a retry, a delayed job); null: none. */
  nextDueMs: number | null
}

/**
 * Every site with unfinished jobs in the store (whatever the view's site): how many run and how
 * many could be claimed now, in one grouped query over the claim index (queued, retrying and
 * running rows only). What a worker across sites reads before each claim (create-worker.ts).
 */
export async function listSiteQueues(store: Store, nowMs: number): Promise<SiteQueue[]> {
  const runnableNow = sql`(state IN ('queued', 'retry_wait') AND run_after_ms <= ${nowMs}) OR (state = 'running' AND lease_until_ms < ${nowMs})`
  const rows = await store.db
    .selectFrom('store_jobs')
    .select('site')
    .select([
      sql<number | string>`SUM(CASE WHEN state = 'running' AND lease_until_ms >= ${nowMs} THEN 1 ELSE 0 END)`.as('running'),
      sql<number | string>`SUM(CASE WHEN ${runnableNow} THEN 1 ELSE 0 END)`.as('runnable'),
      sql<number | string | null>`MIN(CASE WHEN ${runnableNow} THEN id END)`.as('first_id'),
      sql<number | string | null>`MIN(CASE WHEN state IN ('queued', 'retry_wait') AND run_after_ms > ${nowMs} THEN run_after_ms END)`.as('next_due_ms'),
    ])
    .where('state', 'in', ['queued', 'retry_wait', 'running'])
    .groupBy('site')
    .execute()
  return rows.map((row) => ({ site: row.site, running: toNumber(row.running), runnable: toNumber(row.runnable), firstId: toNumber(row.first_id ?? 0), nextDueMs: toNumber(row.next_due_ms) }))
}

/**
 * The sites to try, in the order a fair claimer tries them: those with runnable jobs and below
 * the per-site cap; fewest running first, then the one given a turn longest ago (`lastTurn`, per
 * worker; never-tried first), then the oldest job. A busy site therefore never starves another:
 * a site with nothing running always comes before it.
 */
export function fairSiteOrder(queues: readonly SiteQueue[], lastTurn: ReadonlyMap<string, number>, perSiteCap?: number): SiteQueue[] {
  return queues
    .filter((q) => q.runnable > 0 && (perSiteCap === undefined || q.running < perSiteCap))
    .sort((a, b) => a.running - b.running || (lastTurn.get(a.site) ?? 0) - (lastTurn.get(b.site) ?? 0) || a.firstId - b.firstId)
}
