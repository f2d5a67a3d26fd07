import { sql } from 'kysely'
import { storeDdl } from './store-ddl.ts'
import type { Store } from './store.ts'

/**
 * Upgrades the store's own tables created by builds before many sites shared one store (issue #8,
 * docs/sites.md): `site` (the sites-file id; '' for a single-site service, so every earlier row
 * keeps its meaning) is added to the settings, the backup records and the audit log and made part
 * of the keys: settings (site, name), backup records (site, course_id), the audit's purge index
 * (site, created_at). Each step checks before it changes, so a store that is up to date costs a few
 * catalogue reads; two processes upgrading at once end with the same tables.
 */
export async function migrateStoreSites(store: Store, options: { auditIndex: { name: string; columns: string[] } }): Promise<void> {
  const { addColumnIfMissing, addIndexIfMissing, ensurePrimaryKey } = storeDdl(store)
  const site = sql`VARCHAR(63) NOT NULL DEFAULT ''`
  await addColumnIfMissing('settings', 'site', site)
  await ensurePrimaryKey('settings', ['site', 'name'])
  await addColumnIfMissing('course_backups', 'site', site)
  await ensurePrimaryKey('course_backups', ['site', 'course_id'])
  await addColumnIfMissing('audit', 'site', site)
  await addIndexIfMissing(options.auditIndex.name, 'audit', options.auditIndex.columns)
}
