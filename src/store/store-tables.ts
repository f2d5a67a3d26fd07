import type { Generated } from 'kysely'

/**
 * Types of the service's own tables (`store_x` = `<prefix>x`). Open for the modules that own
 * tables in the store: `src/jobs` adds the queue's by declaration merging (jobs/queue-tables.ts).
 */
export interface StoreTables {
  store_settings: { name: string; value: string }
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
