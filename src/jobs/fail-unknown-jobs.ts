import type { ExpressionBuilder } from 'kysely'
import type { Store, StoreTables } from '../store/index.ts'
import type { JobLogger } from './define-job.ts'

/** Stored jobs of one type that has no definition. */
export interface UnknownJobs {
  type: string
  ids: number[]
}

/** The summary of a job failed because no definition of its type exists. */
export const unknownTypeSummary = (type: string) => `Unknown job type: ${type}.`

/**
 * Finds the waiting jobs whose stored type is not in `known` (a type renamed or removed without a
 * migration, or queued by another build): a worker claims only the types of its registry, so they
 * would wait forever unseen. Each type is reported once (an error naming it, its count and ids);
 * with `fail`, its jobs end as failed with the summary "Unknown job type: <type>." (state
 * `finished`: without a definition there is no failure callback to wait for). Only jobs that no
 * worker holds are touched: queued, waiting to retry, or running under an expired lease. One
 * query when nothing is unknown.
 */
export async function failUnknownJobs(
  store: Store,
  known: readonly string[],
  options: { nowMs: number; log: JobLogger; fail: boolean },
): Promise<UnknownJobs[]> {
  const { nowMs } = options
  const rows = await store.db
    .selectFrom('store_jobs')
    .select(['id', 'type'])
    .where('site', '=', store.site)
    .$if(known.length > 0, (qb) => qb.where('type', 'not in', [...known]))
    .where(unheld(nowMs))
    .orderBy('id')
    .execute()
  const byType = new Map<string, number[]>()
  for (const row of rows) byType.set(row.type, [...(byType.get(row.type) ?? []), Number(row.id)])
  const unknown = [...byType].map(([type, ids]) => ({ type, ids }))
  for (const { type, ids } of unknown) {
    options.log.error({ type, count: ids.length, ids: ids.slice(0, 20), failed: options.fail }, 'stored jobs of an unknown type')
    if (!options.fail) continue
    await store.db
      .updateTable('store_jobs')
      .set({
        state: 'finished',
        outcome: 'failure',
        summary: unknownTypeSummary(type).slice(0, 255),
        lease_owner: null,
        lease_until_ms: null,
        updated_at_ms: nowMs,
        finished_at_ms: nowMs,
      })
      .where('site', '=', store.site)
      .where('type', '=', type)
      .where(unheld(nowMs))
      .execute()
  }
  return unknown
}

/** The condition "no worker holds it": queued, waiting to retry, or running under an expired lease. */
const unheld = (nowMs: number) => (eb: ExpressionBuilder<StoreTables, 'store_jobs'>) =>
  eb.or([eb('state', 'in', ['queued', 'retry_wait']), eb.and([eb('state', '=', 'running'), eb('lease_until_ms', '<', nowMs)])])
