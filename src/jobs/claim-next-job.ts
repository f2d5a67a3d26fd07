import type { ExpressionBuilder, Kysely } from 'kysely'
import type { Store, StoreTables } from '../store/index.ts'
import { ensureSiteLock, LOCK_EXCLUSIVE, LOCK_NONE, LOCK_SHARED, siteLockName, takeSiteLock } from './site-lock.ts'
import { toNumber } from './to-number.ts'

/** Identifies one attempt of a job: writes are fenced on (id, owner, attempt). */
export interface JobLease {
  id: number
  /** The job's site ('' single-site): whose site lock a Moodle-changing job holds. */
  site: string
  owner: string
  /** The attempt number this lease was claimed for. */
  attempt: number
  moodleChanging: boolean
}

/** The condition "this attempt still holds its lease": the row is running, for this owner and attempt. */
export function leaseHeld(lease: JobLease) {
  return (eb: ExpressionBuilder<StoreTables, 'store_jobs'>) =>
    eb.and([eb('id', '=', lease.id), eb('lease_owner', '=', lease.owner), eb('attempts', '=', lease.attempt), eb('state', '=', 'running')])
}

/** A job claimed by a worker, with its lease. */
export interface ClaimedJob extends JobLease {
  type: string
  /** Parsed from the stored JSON. */
  payload: unknown
  /** The journal of completed steps recorded by earlier attempts. */
  journal: Record<string, unknown>
  maxAttempts: number
  requestId: string | null
  createdAtMs: number
  leaseUntilMs: number
}

/** What `claimNextJob` may take. */
export interface ClaimOptions {
  nowMs: number
  leaseMs: number
  /** Job types the caller can run; nothing is claimed when empty. */
  types: ReadonlyArray<string>
  /** When false, Moodle-changing jobs are left for another worker. */
  allowMoodleChanging: boolean
  /**
   * At most this many jobs of the site run at once under a live lease, across every worker of the
   * store (the per-site cap of many sites in one store); checked under the site's lock row. None by default.
   */
  maxRunning?: number
}

const COLUMNS = ['id', 'type', 'state', 'payload', 'attempts', 'max_attempts', 'moodle_changing', 'serial_key', 'journal', 'request_id', 'created_at_ms'] as const

/** What the site lock and the serial keys allow right now. */
interface LockView {
  /** A Moodle-changing job holds the site lock (unexpired). */
  exclusiveHeld: boolean
  /** Shared holders running under a live lease. */
  sharedRunning: number
  /** The first runnable Moodle-changing job: shared jobs queued after it wait for it (null: none). */
  exclusiveWaitingId: number | null
  /** Serial keys of jobs running under a live lease. */
  busyKeys: string[]
}

type Db = Kysely<StoreTables>

/** The condition "runnable now": queued or retry_wait whose time has come, or running with an expired lease. */
const runnable = (nowMs: number) => (eb: ExpressionBuilder<StoreTables, 'store_jobs'>) =>
  eb.or([
    eb.and([eb('state', 'in', ['queued', 'retry_wait']), eb('run_after_ms', '<=', nowMs)]),
    eb.and([eb('state', '=', 'running'), eb('lease_until_ms', '<', nowMs)]),
  ])

async function readLockView(db: Db, site: string, nowMs: number, types: ReadonlyArray<string>): Promise<LockView> {
  const lock = await db.selectFrom('store_locks').select(['owner', 'lease_until_ms']).where('name', '=', siteLockName(site)).executeTakeFirst()
  const running = await db
    .selectFrom('store_jobs')
    .select(['moodle_changing', 'serial_key'])
    .where('site', '=', site)
    .where('state', '=', 'running')
    .where('lease_until_ms', '>=', nowMs)
    .where((eb) => eb.or([eb('moodle_changing', '=', LOCK_SHARED), eb('serial_key', 'is not', null)]))
    .execute()
  const waiting = await db
    .selectFrom('store_jobs')
    .select('id')
    .where('site', '=', site)
    .where('moodle_changing', '=', LOCK_EXCLUSIVE)
    .where(runnable(nowMs))
    .where('type', 'in', [...types])
    .orderBy('id')
    .limit(1)
    .executeTakeFirst()
  return {
    exclusiveHeld: lock?.owner != null && toNumber(lock.lease_until_ms ?? 0) >= nowMs,
    sharedRunning: running.filter((r) => r.moodle_changing === LOCK_SHARED).length,
    exclusiveWaitingId: waiting === undefined ? null : Number(waiting.id),
    busyKeys: [...new Set(running.map((r) => r.serial_key).filter((k): k is string => k !== null))],
  }
}

/**
 * Claims the lowest-id runnable job of the store view's site (`store.site`), or returns null: a `queued` or `retry_wait` job whose
 * `run_after_ms` has come, or a `running` job whose lease expired (its worker died). Runs in one
 * transaction with `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL, PGlite, MySQL 8, MariaDB 10.6+),
 * so concurrent claimers never take the same row.
 *
 * The site lock is a read/write lock (moopanel-api.md §5.4), one per site (site-lock.ts): a Moodle-changing job takes it
 * exclusively (only when no shared holder runs), a shared job (backup, restore, preset) only while
 * no Moodle-changing job holds it or waits for it ahead of it in id order. Jobs with the same serial key never run at once.
 * Claims of jobs concerned by these rules lock the site lock row and re-check under it, so two
 * processes cannot both pass the checks. A job that must wait stays queued and the next job that
 * may run is taken. The attempt counter grows on every claim, so a claim past `maxAttempts` (a job
 * whose last attempt's worker died) reaches the caller, which fails it without running.
 */
export async function claimNextJob(store: Store, owner: string, options: ClaimOptions): Promise<ClaimedJob | null> {
  const { nowMs, leaseMs, types } = options
  const { site } = store
  if (types.length === 0) return null
  const capped = options.maxRunning !== undefined
  const leaseUntilMs = nowMs + leaseMs
  if (site !== '') await ensureSiteLock(store.db, store.family, site, store.db)
  return store.db
    .transaction()
    .setIsolationLevel('read committed')
    .execute(async (trx) => {
      const lockRow = () => trx.selectFrom('store_locks').select('name').where('name', '=', siteLockName(site)).forUpdate().execute()
      if (capped) {
        // Claims of a capped site are serialised on its lock row, so the count cannot be passed by two at once.
        await lockRow()
        if ((await countRunning(trx, site, nowMs)) >= options.maxRunning!) return null
      }
      let view = await readLockView(trx, site, nowMs, types)
      const candidate = (excludeExclusive: boolean) =>
        trx
          .selectFrom('store_jobs')
          .select(COLUMNS)
          .where('site', '=', site)
          .where(runnable(nowMs))
          .where('type', 'in', [...types])
          .$if(excludeExclusive || !options.allowMoodleChanging || view.sharedRunning > 0, (qb) => qb.where('moodle_changing', '!=', LOCK_EXCLUSIVE))
          .$if(view.exclusiveHeld, (qb) => qb.where('moodle_changing', '!=', LOCK_SHARED))
          .$if(view.exclusiveWaitingId !== null, (qb) =>
            qb.where((eb) => eb.or([eb('moodle_changing', '!=', LOCK_SHARED), eb('id', '<', view.exclusiveWaitingId!)])),
          )
          .$if(view.busyKeys.length > 0, (qb) =>
            qb.where((eb) => eb.or([eb('serial_key', 'is', null), eb('serial_key', 'not in', view.busyKeys)])),
          )
          .orderBy('id')
          .limit(1)
          .forUpdate()
          .skipLocked()
          .executeTakeFirst()

      let row = await candidate(false)
      if (row && (row.moodle_changing !== LOCK_NONE || row.serial_key !== null)) {
        // Serialise on the lock row, then check again with what other claimers have committed.
        if (!capped) await lockRow()
        view = await readLockView(trx, site, nowMs, types)
        const blocked =
          (row.serial_key !== null && view.busyKeys.includes(row.serial_key)) ||
          (row.moodle_changing === LOCK_SHARED && (view.exclusiveHeld || sharedMustWait(view, row.id))) ||
          (row.moodle_changing === LOCK_EXCLUSIVE && (view.sharedRunning > 0 || !(await takeSiteLock(trx, site, row.id, leaseUntilMs, nowMs))))
        if (blocked) {
          if (row.moodle_changing !== LOCK_EXCLUSIVE) return null // try again at the next poll
          row = await candidate(true)
          if (row && ((row.moodle_changing === LOCK_SHARED && sharedMustWait(view, row.id)) || (row.serial_key !== null && view.busyKeys.includes(row.serial_key)))) return null
        }
      }
      if (!row) return null
      const attempt = row.attempts + 1
      await trx
        .updateTable('store_jobs')
        .set({ state: 'running', lease_owner: owner, lease_until_ms: leaseUntilMs, attempts: attempt, updated_at_ms: nowMs })
        .where('id', '=', row.id)
        .execute()
      return {
        id: Number(row.id),
        site,
        owner,
        attempt,
        moodleChanging: row.moodle_changing === LOCK_EXCLUSIVE,
        type: row.type,
        payload: JSON.parse(row.payload) as unknown,
        journal: parseJournal(row.journal),
        maxAttempts: row.max_attempts,
        requestId: row.request_id,
        createdAtMs: toNumber(row.created_at_ms),
        leaseUntilMs,
      }
    })
}

/** Jobs of the site running under a live lease. */
async function countRunning(db: Db, site: string, nowMs: number): Promise<number> {
  const row = await db
    .selectFrom('store_jobs')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('site', '=', site)
    .where('state', '=', 'running')
    .where('lease_until_ms', '>=', nowMs)
    .executeTakeFirst()
  return toNumber(row?.n ?? 0)
}

/** A shared job queued after a runnable Moodle-changing job waits for it (§5.4: no new shared holder starts). */
function sharedMustWait(view: LockView, id: number): boolean {
  return view.exclusiveWaitingId !== null && id > view.exclusiveWaitingId
}

function parseJournal(text: string | null): Record<string, unknown> {
  if (!text) return {}
  try {
    const value = JSON.parse(text) as unknown
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}
