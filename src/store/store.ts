import type { Kysely } from 'kysely'
import type { StoreTables } from './store-tables.ts'

/**
 * The service's own durable store: settings, audit records, backup records, and the tables other
 * modules own in it (the job queue's, the items'), under its own table prefix.
 */
export interface Store {
  db: Kysely<StoreTables>
  family: 'postgres' | 'mysql'
  prefix: string
  close(): Promise<void>
}
