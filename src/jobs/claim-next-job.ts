import type { ExpressionBuilder } from 'kysely'
import type { Store, StoreTables } from '../store/index.ts'
import { takeSiteLock } from './site-lock.ts'
import { toNumber } from './to-number.ts'

/** Identifies one attempt of a job: writes are fenced on (id, owner, attempt). */
export interface JobLease {
  id: number
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
}

const COLUMNS = ['id', 'type', 'state', 'payload', 'attempts', 'max_attempts', 'moodle_changing', 'request_id', 'created_at_ms'] as const

/**
 * Claims the lowest-id runnable job, or returns null: a `queued` or `retry_wait` job whose
 * `run_after_ms` has come, or a `running` job whose lease expired (its worker died). Runs in one
 * transaction with `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL, PGlite, MySQL 8, MariaDB 10.6+),
 * so concurrent claimers never take the same row. A Moodle-changing job is claimed only with the
 * site lock; when the lock is busy it stays queued and the next job that needs no lock is taken.
 * The attempt counter grows on every claim, so a claim past `maxAttempts` (a job whose last
 * attempt's worker died) reaches the caller, which fails it without running.
 */
export async function claimNextJob(store: Store, owner: string, options: ClaimOptions): Promise<ClaimedJob | null> {
  const { nowMs, leaseMs, types } = options
  if (types.length === 0) return null
  const leaseUntilMs = nowMs + leaseMs
  return store.db
    .transaction()
    .setIsolationLevel('read committed')
    .execute(async (trx) => {
      const candidate = (withoutLock: boolean) =>
        trx
          .selectFrom('store_jobs')
          .select(COLUMNS)
          .where((eb) =>
            eb.or([
              eb.and([eb('state', 'in', ['queued', 'retry_wait']), eb('run_after_ms', '<=', nowMs)]),
              eb.and([eb('state', '=', 'running'), eb('lease_until_ms', '<', nowMs)]),
            ]),
          )
          .where('type', 'in', [...types])
          .$if(withoutLock, (qb) => qb.where('moodle_changing', '=', 0))
          .orderBy('id')
          .limit(1)
          .forUpdate()
          .skipLocked()
          .executeTakeFirst()

      let row = await candidate(!options.allowMoodleChanging)
      if (row && row.moodle_changing === 1 && !(await takeSiteLock(trx, row.id, leaseUntilMs, nowMs))) {
        row = await candidate(true)
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
        owner,
        attempt,
        moodleChanging: row.moodle_changing === 1,
        type: row.type,
        payload: JSON.parse(row.payload) as unknown,
        maxAttempts: row.max_attempts,
        requestId: row.request_id,
        createdAtMs: toNumber(row.created_at_ms),
        leaseUntilMs,
      }
    })
}
