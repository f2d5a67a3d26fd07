import { sql } from 'kysely'
import { registerStoreTables, storeDdl, type Store } from '../store/index.ts'
import { migrateQueueSites } from './migrate-queue-sites.ts'

/**
 * Creates the queue's tables when missing (`<prefix>jobs`, `<prefix>locks` with its `site` row,
 * `<prefix>idempotency`) and adds the columns later builds introduced (the jobs' `site`:
 * migrate-queue-sites.ts). Each step is idempotent
 * (`IF NOT EXISTS`, insert-if-absent), so concurrent start-ups of several processes are harmless.
 * Every `_ms` column is Unix epoch time in milliseconds. `openStore` runs it (registered below).
 */
export async function migrateQueueTables(store: Store): Promise<void> {
  const { table: t, text, tail, inlineIndexes, createIndex, addColumnIfMissing, pg } = storeDdl(store)
  // Job ids are 32-bit (moopanel-api.md §5.1: ids MUST stay ≤ 2147483647): the engine's own type
  // stops at that bound instead of handing out an id the panel cannot store.
  const jobId = pg ? sql`SERIAL PRIMARY KEY` : sql`INT AUTO_INCREMENT PRIMARY KEY`
  const jobIndexes = [
    { name: 'jobs_claim_ix', columns: ['state', 'run_after_ms'] },
    { name: 'jobs_type_ix', columns: ['type', 'state'] },
    { name: 'jobs_finished_ix', columns: ['finished_at_ms'] },
  ]
  await sql`CREATE TABLE IF NOT EXISTS ${t('jobs')} (
    id ${jobId},
    type VARCHAR(64) NOT NULL,
    state VARCHAR(16) NOT NULL,
    outcome VARCHAR(16),
    summary VARCHAR(255),
    payload ${text} NOT NULL,
    result ${text},
    request_id VARCHAR(128),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_after_ms BIGINT NOT NULL,
    lease_owner VARCHAR(128),
    lease_until_ms BIGINT,
    moodle_changing SMALLINT NOT NULL DEFAULT 0,
    serial_key VARCHAR(128),
    journal ${text},
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    finished_at_ms BIGINT
    ${inlineIndexes(jobIndexes)}) ${tail}`.execute(store.db)
  // Columns added after the first release of the table (stores created by earlier builds).
  await addColumnIfMissing('jobs', 'serial_key', sql`VARCHAR(128)`)
  await addColumnIfMissing('jobs', 'journal', text)
  for (const index of jobIndexes) await createIndex(index.name, 'jobs', index.columns)

  // Named leases shared by every process using the store (the site lock of moopanel-api.md §5.4).
  await sql`CREATE TABLE IF NOT EXISTS ${t('locks')} (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    owner VARCHAR(128),
    lease_until_ms BIGINT) ${tail}`.execute(store.db)
  await (pg
    ? sql`INSERT INTO ${t('locks')} (name) VALUES ('site') ON CONFLICT (name) DO NOTHING`
    : sql`INSERT IGNORE INTO ${t('locks')} (name) VALUES ('site')`
  ).execute(store.db)

  // One row per idempotency key (SHA-256 hex); job_ids is a comma-separated list.
  const idempotencyIndexes = [{ name: 'idempotency_created_ix', columns: ['created_at_ms'] }]
  await sql`CREATE TABLE IF NOT EXISTS ${t('idempotency')} (
    key_hash CHAR(64) NOT NULL PRIMARY KEY,
    job_ids ${text} NOT NULL,
    response ${text},
    created_at_ms BIGINT NOT NULL
    ${inlineIndexes(idempotencyIndexes)}) ${tail}`.execute(store.db)
  for (const index of idempotencyIndexes) await createIndex(index.name, 'idempotency', index.columns)

  // Many sites in one store (issue #8): the jobs' site column and its index.
  await migrateQueueSites(store)
}

// Loading the engine is what puts its tables in every store opened afterwards.
registerStoreTables({ owner: 'jobs', migrate: migrateQueueTables })
