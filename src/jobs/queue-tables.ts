import type { Generated } from 'kysely'

/**
 * The queue's tables in the service's store, owned by the job engine: their row types here, their
 * migration in `migrate-queue-tables.ts`; no other module queries them. They are typed as
 * `store_x` and live as `<prefix>x`, like every store table.
 */
export interface QueueTables {
  /** Durable jobs; every `_ms` column is Unix epoch milliseconds. */
  store_jobs: {
    /** 32-bit (moopanel-api.md §5.1), so a number on every driver. */
    id: Generated<number>
    /** The site the job belongs to: '' for a single-site service, else its sites-file id (issue #8). */
    site: Generated<string>
    type: string
    state: string
    outcome: string | null
    summary: string | null
    /** JSON text. */
    payload: string
    /** JSON text, once the job has a result. */
    result: string | null
    request_id: string | null
    attempts: number
    max_attempts: number
    run_after_ms: number | string
    lease_owner: string | null
    lease_until_ms: number | string | null
    /** How the job takes the site lock: 0 not at all, 1 exclusively (Moodle-changing), 2 shared. */
    moodle_changing: number
    /** Jobs with the same key run one after another (e.g. `course:12`). */
    serial_key: string | null
    /** JSON object: the job's completed steps (moopanel-api.md §5.4 durability). */
    journal: string | null
    created_at_ms: number | string
    updated_at_ms: number | string
    finished_at_ms: number | string | null
  }
  /** Named leases (the site lock: `site` for site '', `@<id>` for a site of a sites file); `owner` null means free. */
  store_locks: {
    name: string
    owner: string | null
    lease_until_ms: number | string | null
  }
  /** Idempotency records: SHA-256 hex of the caller's key (with the site folded in) → the jobs it created. */
  store_idempotency: {
    key_hash: string
    /** Comma-separated job ids; empty while the key is reserved but unused. */
    job_ids: string
    /** The answer given to the request that created the jobs, replayed verbatim (§5.3). */
    response: string | null
    created_at_ms: number | string
  }
}

// The store's table types are open for their owners: the queue's tables join them, so that
// `store.db` is typed for them without src/store naming them.
declare module '../store/store-tables.ts' {
  interface StoreTables extends QueueTables {}
}
