import type { Store } from './open-store.ts'

/** A value of the store's settings table for the view's site, or null. */
export async function readStoreSetting(store: Store, name: string): Promise<string | null> {
  const row = await store.db.selectFrom('store_settings').select('value').where('site', '=', store.site).where('name', '=', name).executeTakeFirst()
  return row?.value ?? null
}

/** Several values of the view's site in one statement: name → value, absent names left out. */
export async function readStoreSettings(store: Store, names: readonly string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map()
  const rows = await store.db.selectFrom('store_settings').select(['name', 'value']).where('site', '=', store.site).where('name', 'in', [...names]).execute()
  return new Map(rows.flatMap((r) => (r.value === null || r.value === undefined ? [] : [[r.name, r.value] as [string, string]])))
}

/** Inserts or replaces a setting of the view's site (delete + insert in one transaction: portable across engines). */
export async function writeStoreSetting(store: Store, name: string, value: string | null): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('store_settings').where('site', '=', store.site).where('name', '=', name).execute()
    if (value !== null) await trx.insertInto('store_settings').values({ site: store.site, name, value }).execute()
  })
}
