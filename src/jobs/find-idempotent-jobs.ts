import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Store, StoreTables } from '../store/index.ts'
import { toNumber } from './to-number.ts'

/** The default replay window (moopanel-api.md §5.3: `idempotency_window_s`, 15 minutes). */
export const DEFAULT_IDEMPOTENCY_WINDOW_S = 15 * 60

/**
 * How an idempotency key is stored: SHA-256 hex of the caller's key, whatever its length, with
 * the site folded in when it is not '' (`<site> NUL <key>`), so that two sites sharing a store may
 * send the same key. A header value never holds NUL, so no site's hash equals a raw key's; the
 * records of a single-site service keep their hashes (and replay across an upgrade).
 */
export function idempotencyKeyHash(key: string, site = ''): string {
  return createHash('sha256').update(site === '' ? key : `${site}\u0000${key}`).digest('hex')
}

/**
 * The job ids recorded under `key` when a replay applies, else null. A replay applies while the
 * record is younger than `windowS` and at least one of its jobs is not yet `finished` (once every
 * callback is settled an identical request is new, moopanel-api.md §5.3). Read-only: use it for
 * the early lookup; `enqueueJobs` repeats the check under a row lock.
 */
export async function findIdempotentJobs(store: Store, key: string, options: { nowMs: number; windowS?: number }): Promise<number[] | null> {
  return replayableIds(store.db, store.site, idempotencyKeyHash(key, store.site), options.nowMs, options.windowS ?? DEFAULT_IDEMPOTENCY_WINDOW_S, false)
}

/** The early lookup with the recorded answer: `{ ids, response }` when a replay applies, else null. */
export async function findReplay(
  store: Store,
  key: string,
  options: { nowMs: number; windowS?: number },
): Promise<{ ids: number[]; response: string | null } | null> {
  const keyHash = idempotencyKeyHash(key, store.site)
  const ids = await replayableIds(store.db, store.site, keyHash, options.nowMs, options.windowS ?? DEFAULT_IDEMPOTENCY_WINDOW_S, false)
  if (!ids) return null
  const row = await store.db.selectFrom('store_idempotency').select('response').where('key_hash', '=', keyHash).executeTakeFirst()
  return { ids, response: row?.response ?? null }
}

/** Shared by the lookup and by `enqueueJobs` (which locks the record row first). */
export async function replayableIds(
  db: Kysely<StoreTables>,
  site: string,
  keyHash: string,
  nowMs: number,
  windowS: number,
  lock: boolean,
): Promise<number[] | null> {
  const query = db.selectFrom('store_idempotency').select(['job_ids', 'created_at_ms']).where('key_hash', '=', keyHash)
  const row = await (lock ? query.forUpdate() : query).executeTakeFirst()
  if (!row || row.job_ids === '' || toNumber(row.created_at_ms) < nowMs - windowS * 1000) return null
  const ids = row.job_ids.split(',').map(Number)
  const unfinished = await db
    .selectFrom('store_jobs')
    .select('id')
    .where('id', 'in', ids)
    .where('site', '=', site)
    .where('state', '<>', 'finished')
    .limit(1)
    .executeTakeFirst()
  return unfinished ? ids : null
}

/** The job ids an idempotency record holds, whatever their state (for operators); [] when none. */
export async function recordedJobIds(store: Store, key: string): Promise<number[]> {
  const row = await store.db.selectFrom('store_idempotency').select('job_ids').where('key_hash', '=', idempotencyKeyHash(key, store.site)).executeTakeFirst()
  return (row?.job_ids ?? '').split(',').filter((id) => /^\d+$/.test(id)).map(Number)
}
