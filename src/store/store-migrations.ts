import type { Store } from './store.ts'

/** Tables another module owns in the store: their migration, applied by `openStore`. */
export interface StoreTablesOwner {
  /** Who owns them (`jobs`): a second registration under the same name is ignored. */
  owner: string
  /** Creates or upgrades the owner's tables; idempotent, like the store's own steps. */
  migrate(store: Store): Promise<void>
}

const owners: StoreTablesOwner[] = []

/**
 * Lets a module keep its own tables in the store (guide/architecture.md: each owner keeps its
 * tables and migrations) without the store importing it: the owner registers its migration when
 * its module loads, and every `openStore` applies the registered migrations, in registration order,
 * right after the store's settings table.
 */
export function registerStoreTables(tables: StoreTablesOwner): void {
  if (!owners.some((o) => o.owner === tables.owner)) owners.push(tables)
}

/** The registered owners' migrations, in registration order. */
export function registeredStoreTables(): readonly StoreTablesOwner[] {
  return owners
}
