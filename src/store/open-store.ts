import { Kysely, sql, type Dialect } from 'kysely'
import { tablePrefixPlugin } from '../shared/table-rename-plugin.ts'
import { migrateStore } from './migrate-store.ts'
import type { Store } from './store.ts'
import type { StoreTables } from './store-tables.ts'

export type { Store } from './store.ts'

/**
 * Opens the store on a Kysely dialect (Moodle's database or a separate one) and applies its
 * migrations, the registered owners' included (`registerStoreTables`). Table names carry `prefix`;
 * nothing here touches Moodle's tables.
 */
export async function openStore(options: {
  dialect: Dialect
  family: 'postgres' | 'mysql'
  prefix: string
  ownsConnection: boolean
  /** The site of the returned view ('' single-site, the default). */
  site?: string
}): Promise<Store> {
  const db = new Kysely<StoreTables>({ dialect: options.dialect })
  // Store tables are typed as `store_x` and live as `<prefix>x`.
  const prefixed = db.withPlugin(tablePrefixPlugin('store_', options.prefix))
  const view = (site: string, close: () => Promise<void>): Store => ({
    db: prefixed,
    family: options.family,
    prefix: options.prefix,
    site,
    forSite: (other) => view(other, async () => undefined),
    close,
  })
  const store = view(options.site ?? '', async () => {
    if (options.ownsConnection) await db.destroy()
  })
  await migrateStore(store)
  return store
}


/** True when the store answers a trivial query. */
export async function pingStore(store: Store): Promise<boolean> {
  try {
    await sql`SELECT 1`.execute(store.db)
    return true
  } catch {
    return false
  }
}
