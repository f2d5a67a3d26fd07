import type { Store } from '../store/index.ts'

/** A job that has not finished (its callback may still be unsettled), with its payload. */
export interface UnfinishedPayload {
  id: number
  type: string
  /** The stored payload parsed from JSON; null when it is not valid JSON. */
  payload: unknown
}

/**
 * The jobs of `types` that are not finished — queued, running, retrying or in `reporting` (their
 * callback not settled yet) — with their payloads, in no particular order. One query on the (type, state)
 * index; nothing when `types` is empty.
 */
export async function listUnfinishedPayloads(store: Store, types: readonly string[]): Promise<UnfinishedPayload[]> {
  if (types.length === 0) return []
  const rows = await store.db
    .selectFrom('store_jobs')
    .select(['id', 'type', 'payload'])
    .where('site', '=', store.site)
    .where('type', 'in', [...types])
    .where('state', '<>', 'finished')
    .execute()
  return rows.map((row) => ({ id: Number(row.id), type: row.type, payload: parseJson(row.payload) }))
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return null
  }
}
