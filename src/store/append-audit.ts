import type { Store } from './open-store.ts'

/** One audit record of a state-changing request (moopanel-api.md §7.3). */
export interface AuditRecord {
  at: Date
  requestId: string
  sourceIp: string
  /** First 8 hex digits of the key fingerprint, or `none`. */
  keyPrefix: string
  method: string
  path: string
  query: string
  status: number
  durationMs: number
  jobIds: number[]
  replay: boolean
  /** Already redacted. */
  payload: unknown
}

/** Appends an audit record of the view's site; the table is append-only. */
export async function appendAudit(store: Store, r: AuditRecord): Promise<void> {
  await store.db
    .insertInto('store_audit')
    .values({
      site: store.site,
      created_at: Math.floor(r.at.getTime() / 1000),
      request_id: r.requestId.slice(0, 128),
      source_ip: r.sourceIp.slice(0, 64),
      key_prefix: r.keyPrefix.slice(0, 8),
      method: r.method.slice(0, 10),
      path: r.path.slice(0, 1024),
      query: r.query,
      status: r.status,
      duration_ms: Math.round(r.durationMs),
      job_ids: r.jobIds.join(',').slice(0, 255),
      replay: r.replay ? 1 : 0,
      payload: r.payload === undefined ? null : JSON.stringify(r.payload),
    })
    .execute()
}

const REDACTED_KEYS = new Set(['password', 'credentials', 'api-key', 'apikey', 'api_key', 'secret', 'token'])

/** A copy of `value` with the values of secret-named keys replaced by `[redacted]`. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 20) return '[too deep]'
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = REDACTED_KEYS.has(k.toLowerCase()) ? '[redacted]' : redact(v, depth + 1)
    return out
  }
  return value
}

/** Deletes the view's site's audit records older than the retention (`audit_retention_days`); returns how many. */
export async function purgeAudit(store: Store, options: { retentionDays: number; nowMs: number }): Promise<number> {
  const before = Math.floor(options.nowMs / 1000) - options.retentionDays * 86_400
  const result = await store.db.deleteFrom('store_audit').where('site', '=', store.site).where('created_at', '<', before).executeTakeFirst()
  return Number(result.numDeletedRows)
}
