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

/**
 * Inserts or replaces a setting of the view's site (null deletes it). One upsert statement, so
 * processes writing the same setting at once (two instances opening one site) never collide on
 * the key, as a delete followed by an insert did.
 */
export async function writeStoreSetting(store: Store, name: string, value: string | null): Promise<void> {
  if (value === null) {
    await store.db.deleteFrom('store_settings').where('site', '=', store.site).where('name', '=', name).execute()
    return
  }
  const insert = store.db.insertInto('store_settings').values({ site: store.site, name, value })
  await (store.family === 'postgres'
    ? insert.onConflict((oc) => oc.columns(['site', 'name']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
    : insert.onDuplicateKeyUpdate({ value })
  ).execute()
}
