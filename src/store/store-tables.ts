import type { Generated } from 'kysely'

/** Types of the service's own tables (`store_x` = `<prefix>x`). */
export interface StoreTables {
  store_settings: { name: string; value: string }
  store_jobs: {
    id: Generated<number | string>
    type: string
    state: string
    outcome: string | null
    summary: string | null
    payload: string
    request_id: string | null
    created_at: number | string
    updated_at: number | string
  }
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
