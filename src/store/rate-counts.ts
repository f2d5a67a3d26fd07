import { sql } from 'kysely'
import type { Store } from './store.ts'

/**
 * Request counts of the Items API's budgets summed over every instance using the store (items-api.md
 * §4.8, docs/sites.md "Lock-out and rate limits across instances"): one row per site, budget
 * (`bucket`), subject (address or user id) and window; each instance adds what it counted since
 * its last report. Times are Unix epoch milliseconds; windows are aligned on the epoch, so every
 * instance names the same window alike.
 */

/** Requests one instance counted since its last report, for one subject and window of one site. */
export interface RateCountDelta {
  site: string
  bucket: string
  subject: string
  windowStartMs: number
  windowEndMs: number
  hits: number
}

/** A window's total over all instances. */
export interface RateCountTotal {
  site: string
  bucket: string
  subject: string
  windowStartMs: number
  hits: number
}

const CHUNK = 500

/** Adds the deltas (of any sites) to the totals: one statement per 500 rows. */
export async function addRateCounts(store: Store, deltas: readonly RateCountDelta[]): Promise<void> {
  for (let i = 0; i < deltas.length; i += CHUNK) {
    const rows = deltas.slice(i, i + CHUNK).map((d) => ({
      site: d.site,
      bucket: d.bucket,
      subject: d.subject.slice(0, 100),
      window_start_ms: d.windowStartMs,
      window_end_ms: d.windowEndMs,
      hits: d.hits,
    }))
    const insert = store.db.insertInto('store_rate_counts').values(rows)
    if (store.family === 'postgres') {
      await insert
        .onConflict((oc) =>
          oc.columns(['site', 'bucket', 'subject', 'window_start_ms']).doUpdateSet((eb) => ({
            hits: sql`${sql.ref('store_rate_counts.hits')} + ${eb.ref('excluded.hits')}`,
          })),
        )
        .execute()
    } else {
      await insert.onDuplicateKeyUpdate({ hits: sql`${sql.ref('hits')} + VALUES(${sql.ref('hits')})` }).execute()
    }
  }
}

/** The totals of the windows not yet over, of every site, largest first, at most `limit`. */
export async function readRateCounts(store: Store, options: { nowMs: number; limit: number }): Promise<RateCountTotal[]> {
  const rows = await store.db
    .selectFrom('store_rate_counts')
    .select(['site', 'bucket', 'subject', 'window_start_ms', 'hits'])
    .where('window_end_ms', '>', options.nowMs)
    .orderBy('hits', 'desc')
    .limit(options.limit)
    .execute()
  return rows.map((r) => ({ site: r.site, bucket: r.bucket, subject: r.subject, windowStartMs: Number(r.window_start_ms), hits: Number(r.hits) }))
}

/** Deletes the windows that are over, of every site; returns how many. */
export async function purgeRateCounts(store: Store, options: { nowMs: number }): Promise<number> {
  const result = await store.db.deleteFrom('store_rate_counts').where('window_end_ms', '<=', options.nowMs).executeTakeFirst()
  return Number(result.numDeletedRows)
}
