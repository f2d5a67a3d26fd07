import type { Store } from './open-store.ts'

/** A value of the store's settings table, or null. */
export async function readStoreSetting(store: Store, name: string): Promise<string | null> {
  const row = await store.db.selectFrom('store_settings').select('value').where('name', '=', name).executeTakeFirst()
  return row?.value ?? null
}

/** Inserts or replaces a setting (delete + insert in one transaction: portable across engines). */
export async function writeStoreSetting(store: Store, name: string, value: string | null): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('store_settings').where('name', '=', name).execute()
    if (value !== null) await trx.insertInto('store_settings').values({ name, value }).execute()
  })
}
