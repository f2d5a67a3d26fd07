import type { Generated } from 'kysely'

/** Types of the service's own tables (`store_x` = `<prefix>x`). */
export interface StoreTables {
  store_settings: { name: string; value: string }
  /** Durable jobs (src/jobs); every `_ms` column is Unix epoch milliseconds. */
  store_jobs: {
    /** 32-bit (moopanel-api.md §5.1), so a number on every driver. */
    id: Generated<number>
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
  /** Named leases (the site lock); `owner` null means free. */
  store_locks: {
    name: string
    owner: string | null
    lease_until_ms: number | string | null
  }
  /** Idempotency records: SHA-256 hex of the caller's key → the jobs it created. */
  store_idempotency: {
    key_hash: string
    /** Comma-separated job ids; empty while the key is reserved but unused. */
    job_ids: string
    /** The answer given to the request that created the jobs, replayed verbatim (§5.3). */
    response: string | null
    created_at_ms: number | string
  }
  store_course_backups: { course_id: number | string; last_auto_backup_at: number | string }
  store_audit: {
    id: Generated<number | string>
    created_at: number | string
    request_id: string
    source_ip: string
    key_prefix: string
    method: string
    path: string
    query: string
    status: number
    duration_ms: number
    job_ids: string
    replay: number
    payload: string | null
  }
}
