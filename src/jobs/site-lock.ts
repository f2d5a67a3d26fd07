import type { Kysely } from 'kysely'
import type { StoreTables } from '../store/index.ts'

/** Values of `store_jobs.moodle_changing`: how a job takes the site lock. */
export const LOCK_NONE = 0
export const LOCK_EXCLUSIVE = 1
export const LOCK_SHARED = 2

/**
 * The lock row of a site: `site` for site '' (a single-site service; created by the store
 * migration), `@<id>` for a site of a sites file (created on demand by `ensureSiteLock`). `@` never
 * occurs in a site id, so no id maps onto another's row; `@` and 63 characters fit the 64 of `name`.
 */
export const siteLockName = (site: string) => (site === '' ? 'site' : `@${site}`)

/** The holder recorded for a job: the job, not the worker, so a re-claim after a crash inherits it. */
const holderOf = (jobId: number) => `job:${jobId}`

/** Sites whose lock row this process has created or seen, per store connection and prefix. */
const ensured = new WeakMap<object, Set<string>>()

/**
 * Makes sure the site's lock row exists before it is locked (insert-if-absent: concurrent callers
 * are serialised on the key and all see the row afterwards). Once per site and store per process.
 */
export async function ensureSiteLock(db: Kysely<StoreTables>, family: 'postgres' | 'mysql', site: string, key: object): Promise<void> {
  if (site === '') return
  let seen = ensured.get(key)
  if (!seen) ensured.set(key, (seen = new Set()))
  if (seen.has(site)) return
  const insert = db.insertInto('store_locks').values({ name: siteLockName(site), owner: null, lease_until_ms: null })
  await (family === 'postgres'
    ? insert.onConflict((oc) => oc.column('name').doNothing())
    : insert.onDuplicateKeyUpdate((eb) => ({ name: eb.ref('name') }))
  ).execute()
  seen.add(site)
}

/**
 * Takes the site lock for a job with one conditional UPDATE: it succeeds when the lock is free,
 * expired, or already the job's. Concurrent takers are serialised on the row; true when taken.
 */
export async function takeSiteLock(db: Kysely<StoreTables>, site: string, jobId: number, untilMs: number, nowMs: number): Promise<boolean> {
  const result = await db
    .updateTable('store_locks')
    .set({ owner: holderOf(jobId), lease_until_ms: untilMs })
    .where('name', '=', siteLockName(site))
    .where((eb) => eb.or([eb('owner', 'is', null), eb('owner', '=', holderOf(jobId)), eb('lease_until_ms', '<', nowMs)]))
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Extends the job's hold on its site's lock (no-op when it does not hold it). */
export async function renewSiteLock(db: Kysely<StoreTables>, site: string, jobId: number, untilMs: number): Promise<void> {
  await db.updateTable('store_locks').set({ lease_until_ms: untilMs }).where('name', '=', siteLockName(site)).where('owner', '=', holderOf(jobId)).execute()
}

/** Frees the site's lock if the job holds it. */
export async function releaseSiteLock(db: Kysely<StoreTables>, site: string, jobId: number): Promise<void> {
  await db.updateTable('store_locks').set({ owner: null, lease_until_ms: null }).where('name', '=', siteLockName(site)).where('owner', '=', holderOf(jobId)).execute()
}
