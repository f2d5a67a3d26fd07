import { sql, type Kysely } from 'kysely'
import type { Store, StoreTables } from '../store/index.ts'

/**
 * The PostgreSQL notification channel of a store's jobs: `<prefix>jobs` (a prefix is
 * `[a-z][a-z0-9_]{0,9}_`, so the name is a plain identifier). Each notification's payload is the
 * site whose jobs were enqueued ('' for a single-site service).
 */
export function jobsChannel(prefix: string): string {
  return `${prefix}jobs`
}

/** Notifies the jobs channel for the store view's site; inside a transaction it is delivered at commit. */
export async function notifyJobs(db: Kysely<StoreTables>, store: Pick<Store, 'prefix' | 'site'>): Promise<void> {
  await sql`SELECT pg_notify(${jobsChannel(store.prefix)}, ${store.site})`.execute(db)
}
