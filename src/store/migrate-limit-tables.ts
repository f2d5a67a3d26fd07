import { sql } from 'kysely'
import { storeDdl } from './store-ddl.ts'
import type { Store } from './store.ts'

/**
 * The counters several instances share (issue #8 point 4, docs/sites.md "Lock-out and rate limits
 * across instances"), one row per site and subject, purged once expired:
 * - `auth_failures`: wrong-key failures per site and source address in a window that opens at the
 *   first failure (`first_ms`), and the end of the address's lock-out (`locked_until_ms`, 0 = none);
 *   `expires_ms` is when the row stops meaning anything.
 * - `rate_counts`: the Items API's requests per site, budget (`bucket`: ip, user) and subject in one
 *   fixed window aligned on the epoch (`window_start_ms`), summed over every instance.
 * All times are Unix epoch milliseconds of the writing instance's clock.
 */
export async function migrateLimitTables(store: Store): Promise<void> {
  const { table: t, tail, inlineIndexes, createIndex } = storeDdl(store)

  const failureIndexes = [
    { name: 'auth_failures_locked_ix', columns: ['locked_until_ms'] },
    { name: 'auth_failures_expires_ix', columns: ['expires_ms'] },
  ]
  await sql`CREATE TABLE IF NOT EXISTS ${t('auth_failures')} (
    site VARCHAR(63) NOT NULL,
    address VARCHAR(64) NOT NULL,
    failures INTEGER NOT NULL,
    first_ms BIGINT NOT NULL,
    locked_until_ms BIGINT NOT NULL DEFAULT 0,
    expires_ms BIGINT NOT NULL,
    PRIMARY KEY (site, address)
    ${inlineIndexes(failureIndexes)}) ${tail}`.execute(store.db)
  for (const index of failureIndexes) await createIndex(index.name, 'auth_failures', index.columns)

  const rateIndexes = [{ name: 'rate_counts_end_ix', columns: ['window_end_ms'] }]
  await sql`CREATE TABLE IF NOT EXISTS ${t('rate_counts')} (
    site VARCHAR(63) NOT NULL,
    bucket VARCHAR(16) NOT NULL,
    subject VARCHAR(100) NOT NULL,
    window_start_ms BIGINT NOT NULL,
    window_end_ms BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (site, bucket, subject, window_start_ms)
    ${inlineIndexes(rateIndexes)}) ${tail}`.execute(store.db)
  for (const index of rateIndexes) await createIndex(index.name, 'rate_counts', index.columns)
}
