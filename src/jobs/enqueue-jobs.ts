import type { Kysely, Transaction } from 'kysely'
import type { Store, StoreTables } from '../store/index.ts'
import type { NewJob } from './define-job.ts'
import { LOCK_EXCLUSIVE, LOCK_NONE, LOCK_SHARED } from './site-lock.ts'
import { DEFAULT_IDEMPOTENCY_WINDOW_S, idempotencyKeyHash, replayableIds } from './find-idempotent-jobs.ts'
import { notifyJobs } from './jobs-channel.ts'

/** Options of `enqueueJobs`. */
export interface EnqueueOptions {
  /** Epoch ms: `created_at_ms` and the default `run_after_ms`. */
  nowMs: number
  /** A request fingerprint (moopanel-api.md §5.3); stored hashed. */
  idempotencyKey?: string
  /** Replay window in seconds (default 900). */
  windowS?: number
  /** The answer to record with the key, built from the new ids; replays return it verbatim. */
  response?: (ids: number[]) => string
}

/** The ids of the jobs, in input order; `replayed` when they were created by an earlier call. */
export interface EnqueueResult {
  ids: number[]
  replayed: boolean
  /** The recorded answer (the earlier one for a replay), when one was given. */
  response: string | null
}

const PG_CHUNK = 500

/**
 * Inserts jobs of the store view's site as `queued`, together with the idempotency record, in one transaction. With an
 * `idempotencyKey` that an earlier call recorded within the window (while one of its jobs is
 * unfinished) nothing is inserted and the earlier ids come back with `replayed: true`; concurrent
 * calls with the same key are serialised on the record's row, so exactly one of them inserts.
 * Without jobs nothing is recorded. On PostgreSQL the transaction also notifies the store's jobs
 * channel with the site (delivered at commit), which wakes listening workers.
 */
export async function enqueueJobs(store: Store, jobs: ReadonlyArray<NewJob>, options: EnqueueOptions): Promise<EnqueueResult> {
  const { nowMs } = options
  const windowS = options.windowS ?? DEFAULT_IDEMPOTENCY_WINDOW_S
  const keyHash = options.idempotencyKey === undefined ? null : idempotencyKeyHash(options.idempotencyKey, store.site)
  if (keyHash) {
    const earlier = await replayableIds(store.db, store.site, keyHash, nowMs, windowS, false)
    if (earlier) return { ids: earlier, replayed: true, response: await recordedResponse(store.db, keyHash) }
  }
  if (jobs.length === 0) return { ids: [], replayed: false, response: null }
  // The record row must exist before it can be locked: insert an empty one if absent (a no-op
  // otherwise, on both families), then lock it inside the transaction.
  if (keyHash) await reserveKey(store, keyHash)
  return store.db
    .transaction()
    .setIsolationLevel('read committed')
    .execute(async (trx) => {
      if (keyHash) {
        const earlier = await replayableIds(trx, store.site, keyHash, nowMs, windowS, true)
        if (earlier) return { ids: earlier, replayed: true, response: await recordedResponse(trx, keyHash) }
      }
      const ids = await insertJobs(trx, store.family, store.site, jobs, nowMs)
      const response = options.response ? options.response(ids) : null
      if (keyHash) {
        await trx
          .updateTable('store_idempotency')
          .set({ job_ids: ids.join(','), response, created_at_ms: nowMs })
          .where('key_hash', '=', keyHash)
          .execute()
      }
      // Workers listening on PostgreSQL wake when the transaction commits (listen-for-jobs.ts).
      if (store.family === 'postgres') await notifyJobs(trx, store)
      return { ids, replayed: false, response }
    })
}

async function recordedResponse(db: Kysely<StoreTables>, keyHash: string): Promise<string | null> {
  const row = await db.selectFrom('store_idempotency').select('response').where('key_hash', '=', keyHash).executeTakeFirst()
  return row?.response ?? null
}

async function reserveKey(store: Store, keyHash: string): Promise<void> {
  const insert = store.db.insertInto('store_idempotency').values({ key_hash: keyHash, job_ids: '', response: null, created_at_ms: 0 })
  await (store.family === 'postgres'
    ? insert.onConflict((oc) => oc.column('key_hash').doNothing())
    : insert.onDuplicateKeyUpdate((eb) => ({ key_hash: eb.ref('key_hash') }))
  ).execute()
}

async function insertJobs(trx: Transaction<StoreTables>, family: Store['family'], site: string, jobs: ReadonlyArray<NewJob>, nowMs: number): Promise<number[]> {
  const rows = jobs.map((job) => ({ site, ...rowOf(job, nowMs) }))
  if (family === 'postgres') {
    // A sequence hands out ids in VALUES order, so sorting RETURNING restores the input order.
    const ids: number[] = []
    for (let i = 0; i < rows.length; i += PG_CHUNK) {
      const returned = await trx.insertInto('store_jobs').values(rows.slice(i, i + PG_CHUNK)).returning('id').execute()
      ids.push(...returned.map((r) => Number(r.id)).sort((a, b) => a - b))
    }
    return ids
  }
  // One row per statement: a multi-row insert's ids are consecutive only under some
  // innodb_autoinc_lock_mode settings.
  const ids: number[] = []
  for (const row of rows) {
    const result = await trx.insertInto('store_jobs').values(row).executeTakeFirstOrThrow()
    ids.push(Number(result.insertId))
  }
  return ids
}

function rowOf(job: NewJob, nowMs: number) {
  if (job.type.length > 64) throw new Error(`job type too long: ${job.type}`)
  return {
    type: job.type,
    state: 'queued',
    payload: JSON.stringify(job.payload ?? null),
    request_id: job.requestId?.slice(0, 128) ?? null,
    attempts: 0,
    max_attempts: job.maxAttempts,
    run_after_ms: job.runAfterMs ?? nowMs,
    moodle_changing: job.moodleChanging ? LOCK_EXCLUSIVE : job.sharedLock ? LOCK_SHARED : LOCK_NONE,
    serial_key: job.serialKey?.slice(0, 128) ?? null,
    created_at_ms: nowMs,
    updated_at_ms: nowMs,
  }
}
