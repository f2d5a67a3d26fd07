import type { Generated } from 'kysely'

/**
 * Types of the service's own tables (`store_x` = `<prefix>x`). Open for the modules that own
 * tables in the store: `src/jobs` adds the queue's by declaration merging (jobs/queue-tables.ts).
 * `site` is the site of the row ('' for a single-site service; see Store.site).
 */
export interface StoreTables {
  store_settings: { site: string; name: string; value: string }
  store_course_backups: { site: string; course_id: number | string; last_auto_backup_at: number | string }
  store_audit: {
    id: Generated<number | string>
    site: string
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
  /** Wrong-key failures and lock-outs per site and address, shared by instances (auth-failures.ts). */
  store_auth_failures: {
    site: string
    address: string
    failures: number
    first_ms: number | string
    locked_until_ms: number | string
    expires_ms: number | string
  }
  /** Items API request counts per site, budget, subject and window, summed over instances (rate-counts.ts). */
  store_rate_counts: {
    site: string
    bucket: string
    subject: string
    window_start_ms: number | string
    window_end_ms: number | string
    hits: number | string
  }
}
