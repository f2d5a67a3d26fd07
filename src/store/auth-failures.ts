import { sql } from 'kysely'
import type { Store } from './store.ts'

/**
 * Wrong-key failures and lock-outs per site and source address, shared by every instance using
 * the store (moopanel-api.md §3.4, docs/sites.md "Lock-out and rate limits across instances").
 * The failures are counted in a window that opens at an address's first failure and lasts
 * `windowMs`; a failure after it opens a new one. Times are Unix epoch milliseconds.
 */

const ref = (column: string) => sql.ref(`store_auth_failures.${column}`)
const address64 = (address: string) => address.slice(0, 64)

/**
 * Counts one failure of `address` on the view's site in one atomic statement and returns the
 * failures within the current window, this one included.
 */
export async function countAuthFailure(store: Store, address: string, options: { nowMs: number; windowMs: number }): Promise<number> {
  const { nowMs, windowMs } = options
  const windowStart = nowMs - windowMs
  const row = { site: store.site, address: address64(address), failures: 1, first_ms: nowMs, locked_until_ms: 0, expires_ms: nowMs + windowMs }
  const insert = store.db.insertInto('store_auth_failures').values(row)
  if (store.family === 'postgres') {
    const open = sql`${ref('first_ms')} > ${windowStart}`
    const result = await insert
      .onConflict((oc) =>
        oc.columns(['site', 'address']).doUpdateSet({
          failures: sql`CASE WHEN ${open} THEN ${ref('failures')} + 1 ELSE 1 END`,
          first_ms: sql`CASE WHEN ${open} THEN ${ref('first_ms')} ELSE ${nowMs} END`,
          expires_ms: sql`GREATEST(CASE WHEN ${open} THEN ${ref('first_ms')} ELSE ${nowMs} END + ${windowMs}, ${ref('locked_until_ms')})`,
        }),
      )
      .returning('failures')
      .executeTakeFirstOrThrow()
    return Number(result.failures)
  }
  // MySQL applies the assignments left to right, each seeing the ones before it: first_ms is
  // changed last. LAST_INSERT_ID(expr) hands the new count back in the statement's OK packet
  // (a row inserted afresh reports no id: its count is 1).
  const open = sql`${sql.ref('first_ms')} > ${windowStart}`
  const result = await insert
    .onDuplicateKeyUpdate({
      failures: sql`LAST_INSERT_ID(IF(${open}, ${sql.ref('failures')} + 1, 1))`,
      expires_ms: sql`GREATEST(IF(${open}, ${sql.ref('first_ms')}, ${nowMs}) + ${windowMs}, ${sql.ref('locked_until_ms')})`,
      first_ms: sql`IF(${open}, ${sql.ref('first_ms')}, ${nowMs})`,
    })
    .executeTakeFirstOrThrow()
  return result.insertId ? Number(result.insertId) : 1
}

/**
 * Locks `address` on the view's site until `untilMs` (a later lock-out already recorded stays) and
 * restarts its count, as the lock-out in memory does.
 */
export async function lockAuthAddress(store: Store, address: string, options: { nowMs: number; untilMs: number }): Promise<void> {
  const { nowMs, untilMs } = options
  const row = { site: store.site, address: address64(address), failures: 0, first_ms: nowMs, locked_until_ms: untilMs, expires_ms: untilMs }
  const insert = store.db.insertInto('store_auth_failures').values(row)
  if (store.family === 'postgres') {
    await insert
      .onConflict((oc) =>
        oc.columns(['site', 'address']).doUpdateSet({
          failures: 0,
          first_ms: nowMs,
          locked_until_ms: sql`GREATEST(${ref('locked_until_ms')}, ${untilMs})`,
          expires_ms: sql`GREATEST(${ref('locked_until_ms')}, ${untilMs})`,
        }),
      )
      .execute()
    return
  }
  await insert
    .onDuplicateKeyUpdate({
      failures: 0,
      first_ms: nowMs,
      locked_until_ms: sql`GREATEST(${sql.ref('locked_until_ms')}, ${untilMs})`,
      expires_ms: sql`${sql.ref('locked_until_ms')}`,
    })
    .execute()
}

/** A successful authentication: forgets the address's failures on the view's site (a lock-out in force stays). */
export async function clearAuthFailures(store: Store, address: string, options: { nowMs: number }): Promise<void> {
  await store.db
    .deleteFrom('store_auth_failures')
    .where('site', '=', store.site)
    .where('address', '=', address64(address))
    .where('locked_until_ms', '<=', options.nowMs)
    .execute()
}

/** A lock-out in force, of any site. */
export interface StoredLockout {
  site: string
  address: string
  untilMs: number
}

/**
 * The lock-outs in force of EVERY site (whatever the view's site), latest ending first, at most
 * `limit`: one query for a process's whole set of sites.
 */
export async function readLockoutsOfAllSites(store: Store, options: { nowMs: number; limit: number }): Promise<StoredLockout[]> {
  const rows = await store.db
    .selectFrom('store_auth_failures')
    .select(['site', 'address', 'locked_until_ms'])
    .where('locked_until_ms', '>', options.nowMs)
    .orderBy('locked_until_ms', 'desc')
    .limit(options.limit)
    .execute()
  return rows.map((r) => ({ site: r.site, address: r.address, untilMs: Number(r.locked_until_ms) }))
}

/** Deletes the rows of every site that no longer mean anything (window and lock-out over); returns how many. */
export async function purgeAuthFailures(store: Store, options: { nowMs: number }): Promise<number> {
  const result = await store.db.deleteFrom('store_auth_failures').where('expires_ms', '<=', options.nowMs).executeTakeFirst()
  return Number(result.numDeletedRows)
}
