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
  /**
   * The site whose rows this view reads and writes: '' for a single-site service; a sites-file id
   * when many sites share one store (issue #8, docs/sites.md). Every owner's queries filter on it.
   */
  site: string
  /** A view of the same store (same connections) scoped to another site; closing a view is a no-op. */
  forSite(site: string): Store
  close(): Promise<void>
}
