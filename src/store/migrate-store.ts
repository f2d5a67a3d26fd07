import { sql } from 'kysely'
import { storeDdl } from './store-ddl.ts'
import { registeredStoreTables } from './store-migrations.ts'
import type { Store } from './store.ts'

/**
 * Creates the store's tables when missing: its settings, then the tables of the registered owners
 * (the job queue's, `src/jobs`), then the backup records and the audit log. Each step is
 * idempotent (`IF NOT EXISTS`, insert-if-absent), so concurrent start-ups of several processes are
 * harmless. `store_audit.created_at` keeps Unix seconds.
 */
export async function migrateStore(store: Store): Promise<void> {
  const { table: t, pg, text, tail } = storeDdl(store)
  const id = pg ? sql`BIGSERIAL PRIMARY KEY` : sql`BIGINT AUTO_INCREMENT PRIMARY KEY`

  await sql`CREATE TABLE IF NOT EXISTS ${t('settings')} (
    name VARCHAR(100) NOT NULL PRIMARY KEY,
    value ${text} NOT NULL) ${tail}`.execute(store.db)

  for (const owner of registeredStoreTables()) await owner.migrate(store)

  // Per course, the start of its last successful automatic backup (moopanel-api.md §5.10).
  await sql`CREATE TABLE IF NOT EXISTS ${t('course_backups')} (
    course_id BIGINT NOT NULL PRIMARY KEY,
    last_auto_backup_at BIGINT NOT NULL) ${tail}`.execute(store.db)

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
