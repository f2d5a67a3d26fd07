/** The service's own store (not Moodle's tables). */
export { openStore, pingStore, type Store } from './open-store.ts'
export { readStoreSetting, writeStoreSetting } from './store-settings.ts'
export type { StoreTables } from './store-tables.ts'
export { appendAudit, purgeAudit, redact, type AuditRecord } from './append-audit.ts'
export { readLastAutoBackups, recordAutoBackup } from './course-backup-records.ts'
export { migrateItemsTables } from './items-migrations.ts'
export { itemsUniqueViolation, isConnectionFailure, type ItemsTables } from './items-tables.ts'
