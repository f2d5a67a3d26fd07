import { sql } from 'kysely'
import type { Store } from './open-store.ts'

/**
 * Creates the store's tables when missing. Each step is idempotent (`IF NOT EXISTS`), so
 * concurrent start-ups of several processes are harmless.
 */
export async function migrateStore(store: Store): Promise<void> {
  const t = (name: string) => sql.table(`${store.prefix}${name}`)
  const pg = store.family === 'postgres'
  const id = pg ? sql`BIGSERIAL PRIMARY KEY` : sql`BIGINT AUTO_INCREMENT PRIMARY KEY`
  const text = pg ? sql`TEXT` : sql`LONGTEXT`
  const tail = pg ? sql`` : sql`ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`
  await sql`CREATE TABLE IF NOT EXISTS ${t('settings')} (
    name VARCHAR(100) NOT NULL PRIMARY KEY,
    value ${text} NOT NULL) ${tail}`.execute(store.db)
  await sql`CREATE TABLE IF NOT EXISTS ${t('jobs')} (
    id ${id},
    type VARCHAR(64) NOT NULL,
    state VARCHAR(16) NOT NULL,
    outcome VARCHAR(16),
    summary VARCHAR(255),
    payload ${text} NOT NULL,
    request_id VARCHAR(128),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL) ${tail}`.execute(store.db)
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
