import { sql } from 'kysely'
import type { Store } from './open-store.ts'

/**
 * Creates the store's tables when missing. Each step is idempotent (`IF NOT EXISTS`, insert-if-absent),
 * so concurrent start-ups of several processes are harmless. Every `_ms` column is Unix epoch time in
 * milliseconds; `store_audit.created_at` keeps Unix seconds.
 */
export async function migrateStore(store: Store): Promise<void> {
  const p = store.prefix
  const t = (name: string) => sql.table(`${p}${name}`)
  const ix = (name: string) => sql.id(`${p}${name}`)
  const pg = store.family === 'postgres'
  const id = pg ? sql`BIGSERIAL PRIMARY KEY` : sql`BIGINT AUTO_INCREMENT PRIMARY KEY`
  // Job ids are 32-bit (moopanel-api.md §5.1: ids MUST stay ≤ 2147483647): the engine's own type
  // stops at that bound instead of handing out an id the panel cannot store.
  const jobId = pg ? sql`SERIAL PRIMARY KEY` : sql`INT AUTO_INCREMENT PRIMARY KEY`
  const text = pg ? sql`TEXT` : sql`LONGTEXT`
  const tail = pg ? sql`` : sql`ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`
  // MySQL 8 has no CREATE INDEX IF NOT EXISTS, so its indexes are declared inside CREATE TABLE.
  const inline = (parts: ReturnType<typeof sql>[]) => (pg ? sql`` : sql`, ${sql.join(parts)}`)
  const index = async (name: string, table: string, columns: string[]) => {
    if (pg) await sql`CREATE INDEX IF NOT EXISTS ${ix(name)} ON ${t(table)} (${sql.join(columns.map((c) => sql.ref(c)))})`.execute(store.db)
  }
  const mysqlIndex = (name: string, columns: string[]) => sql`INDEX ${ix(name)} (${sql.join(columns.map((c) => sql.ref(c)))})`

  await sql`CREATE TABLE IF NOT EXISTS ${t('settings')} (
    name VARCHAR(100) NOT NULL PRIMARY KEY,
    value ${text} NOT NULL) ${tail}`.execute(store.db)

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
    ${inline([
      mysqlIndex('jobs_claim_ix', ['state', 'run_after_ms']),
      mysqlIndex('jobs_type_ix', ['type', 'state']),
      mysqlIndex('jobs_finished_ix', ['finished_at_ms']),
    ])}) ${tail}`.execute(store.db)
  // Columns added after the first release of the table (stores created by earlier builds).
  await addColumnIfMissing(store, 'jobs', 'serial_key', sql`VARCHAR(128)`)
  await addColumnIfMissing(store, 'jobs', 'journal', text)
  await index('jobs_claim_ix', 'jobs', ['state', 'run_after_ms'])
  await index('jobs_type_ix', 'jobs', ['type', 'state'])
  await index('jobs_finished_ix', 'jobs', ['finished_at_ms'])

  // Named leases shared by every process using the store (the site lock of moopanel-api.md §5.4).
  await sql`CREATE TABLE IF NOT EXISTS ${t('locks')} (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    owner VARCHAR(128),
    lease_until_ms BIGINT) ${tail}`.execute(store.db)
  await (pg
    ? sql`INSERT INTO ${t('locks')} (name) VALUES ('site') ON CONFLICT (name) DO NOTHING`
    : sql`INSERT IGNORE INTO ${t('locks')} (name) VALUES ('site')`
  ).execute(store.db)

  // Per course, the start of its last successful automatic backup (moopanel-api.md §5.10).
  await sql`CREATE TABLE IF NOT EXISTS ${t('course_backups')} (
    course_id BIGINT NOT NULL PRIMARY KEY,
    last_auto_backup_at BIGINT NOT NULL) ${tail}`.execute(store.db)

  // One row per idempotency key (SHA-256 hex); job_ids is a comma-separated list.
  await sql`CREATE TABLE IF NOT EXISTS ${t('idempotency')} (
    key_hash CHAR(64) NOT NULL PRIMARY KEY,
    job_ids ${text} NOT NULL,
    response ${text},
    created_at_ms BIGINT NOT NULL
    ${inline([mysqlIndex('idempotency_created_ix', ['created_at_ms'])])}) ${tail}`.execute(store.db)
  await index('idempotency_created_ix', 'idempotency', ['created_at_ms'])

  await sql`CREATE TABLE IF NOT EXISTS ${t('audit')} (
    id ${id},
    created_at BIGINT NOT NULL,
    request_id VARCHAR(128) NOT NULL,
    source_ip VARCHAR(64) NOT NULL,
    key_prefix VARCHAR(8) NOT NULL,
    method VARCHAR(10) NOT NULL,
    path VARCHAR(1024) NOT NULL,
    query ${text} NOT NULL,
    status INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    job_ids VARCHAR(255) NOT NULL,
    replay SMALLINT NOT NULL,
    payload ${text}) ${tail}`.execute(store.db)
}

/** `ALTER TABLE … ADD COLUMN` unless the column exists (MySQL 8 has no `ADD COLUMN IF NOT EXISTS`). */
async function addColumnIfMissing(store: Store, table: string, column: string, type: ReturnType<typeof sql>): Promise<void> {
  const name = `${store.prefix}${table}`
  if (store.family === 'postgres') {
    await sql`ALTER TABLE ${sql.table(name)} ADD COLUMN IF NOT EXISTS ${sql.ref(column)} ${type}`.execute(store.db)
    return
  }
  const found = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = ${name} AND column_name = ${column}`.execute(store.db)
  if (Number(found.rows[0]?.n ?? 0) === 0) await sql`ALTER TABLE ${sql.table(name)} ADD COLUMN ${sql.ref(column)} ${type}`.execute(store.db)
}
