import type { Kysely } from 'kysely'
import type { StoreTables } from '../store/index.ts'

/** Values of `store_jobs.moodle_changing`: how a job takes the site lock. */
export const LOCK_NONE = 0
export const LOCK_EXCLUSIVE = 1
export const LOCK_SHARED = 2

/** The lock row Moodle-changing jobs hold exclusively (created by the store migration). */
const SITE_LOCK = 'site'

/** The holder recorded for a job: the job, not the worker, so a re-claim after a crash inherits it. */
const holderOf = (jobId: number) => `job:${jobId}`

/**
 * Takes the site lock for a job with one conditional UPDATE: it succeeds when the lock is free,
 * expired, or already the job's. Concurrent takers are serialised on the row; true when taken.
 */
export async function takeSiteLock(db: Kysely<StoreTables>, jobId: number, untilMs: number, nowMs: number): Promise<boolean> {
  const result = await db
    .updateTable('store_locks')
    .set({ owner: holderOf(jobId), lease_until_ms: untilMs })
    .where('name', '=', SITE_LOCK)
    .where((eb) => eb.or([eb('owner', 'is', null), eb('owner', '=', holderOf(jobId)), eb('lease_until_ms', '<', nowMs)]))
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Extends the job's hold on the site lock (no-op when it does not hold it). */
export async function renewSiteLock(db: Kysely<StoreTables>, jobId: number, untilMs: number): Promise<void> {
  await db.updateTable('store_locks').set({ lease_until_ms: untilMs }).where('name', '=', SITE_LOCK).where('owner', '=', holderOf(jobId)).execute()
}

/** Frees the site lock if the job holds it. */
export async function releaseSiteLock(db: Kysely<StoreTables>, jobId: number): Promise<void> {
  await db.updateTable('store_locks').set({ owner: null, lease_until_ms: null }).where('name', '=', SITE_LOCK).where('owner', '=', holderOf(jobId)).execute()
}
