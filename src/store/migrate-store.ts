import { sql } from 'kysely'
import { migrateLimitTables } from './migrate-limit-tables.ts'
import { migrateStoreSites } from './migrate-store-sites.ts'
import { storeDdl } from './store-ddl.ts'
import { registeredStoreTables } from './store-migrations.ts'
import type { Store } from './store.ts'

/**
 * Creates the store's tables when missing: its settings, then the tables of the registered owners
 * (the job queue's, `src/jobs`), then the backup records and the audit log, then upgrades tables of
 * earlier builds to carry a site (migrate-store-sites.ts) and creates the lock-out and rate-limit
 * counters shared by instances (migrate-limit-tables.ts). Each step is idempotent (`IF NOT EXISTS`,
 * insert-if-absent, checked upgrades), so concurrent start-ups of several processes are harmless.
 * `store_audit.created_at` keeps Unix seconds.
 */
export async function migrateStore(store: Store): Promise<void> {
  if (store.family !== 'postgres') return migrateSteps(store)
  // PostgreSQL's IF NOT EXISTS does not cover concurrent DDL (the loser of a race gets a duplicate
  // error on its catalogue): start-ups of several processes migrate one after another, under a
  // session advisory lock held on one connection.
  await store.db.connection().execute(async (db) => {
    const key = `moodle-bridge store ${store.prefix}`
    await sql`SELECT pg_advisory_lock(hashtext(${key}))`.execute(db)
    try {
      await migrateSteps({ ...store, db })
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtext(${key}))`.execute(db)
    }
  })
}

async function migrateSteps(store: Store): Promise<void> {
  const { table: t, pg, text, tail, inlineIndexes } = storeDdl(store)
  const id = pg ? sql`BIGSERIAL PRIMARY KEY` : sql`BIGINT AUTO_INCREMENT PRIMARY KEY`
  const site = sql`site VARCHAR(63) NOT NULL DEFAULT ''`

  await sql`CREATE TABLE IF NOT EXISTS ${t('settings')} (
    ${site},
    name VARCHAR(100) NOT NULL,
    value ${text} NOT NULL,
    PRIMARY KEY (site, name)) ${tail}`.execute(store.db)

  for (const owner of registeredStoreTables()) await owner.migrate(store)

  // Per course, the start of its last successful automatic backup (moopanel-api.md §5.10).
  await sql`CREATE TABLE IF NOT EXISTS ${t('course_backups')} (
    ${site},
    course_id BIGINT NOT NULL,
    last_auto_backup_at BIGINT NOT NULL,
    PRIMARY KEY (site, course_id)) ${tail}`.execute(store.db)

  // Its index is created by migrateStoreSites on PostgreSQL (and on MySQL tables of earlier builds).
  const auditIndexes = [{ name: 'audit_site_time_ix', columns: ['site', 'created_at'] }]
  await sql`CREATE TABLE IF NOT EXISTS ${t('audit')} (
    id ${id},
    ${site},
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
    payload ${text}
    ${inlineIndexes(auditIndexes)}) ${tail}`.execute(store.db)

  await migrateStoreSites(store, { auditIndex: auditIndexes[0]! })
  await migrateLimitTables(store)
}
