import type { Store } from '../store/index.ts'
import type { JobState } from './find-job.ts'
import { toNumber } from './to-number.ts'

/** Everything an operator sees of a job (`jobs list`, `jobs show`): no payload, which may hold secrets. */
export interface JobDetail {
  id: number
  type: string
  state: JobState
  outcome: 'success' | 'failure' | null
  /** The last failure (final, or the transient one a retry waits on) or the success summary. */
  summary: string | null
  attempts: number
  maxAttempts: number
  createdAtMs: number
  updatedAtMs: number
  finishedAtMs: number | null
  /** When a queued or retrying job may run next. */
  runAfterMs: number
  /** The worker holding the job while it runs, and until when. */
  leaseOwner: string | null
  leaseUntilMs: number | null
  /** The completed steps of the job's journal, in the order they were recorded. */
  steps: string[]
  requestId: string | null
}

const STATES: readonly JobState[] = ['queued', 'running', 'retry_wait', 'reporting', 'finished']
const COLUMNS = [
  'id', 'type', 'state', 'outcome', 'summary', 'attempts', 'max_attempts', 'created_at_ms', 'updated_at_ms',
  'finished_at_ms', 'run_after_ms', 'lease_owner', 'lease_until_ms', 'journal', 'request_id',
] as const

/** Whether `value` is a job state (for the CLI's `--state`). */
export function isJobState(value: string): value is JobState {
  return (STATES as readonly string[]).includes(value)
}

/** The newest jobs first, optionally of some states and types, at most `limit` (≤ 1000). */
export async function listJobs(
  store: Store,
  filter: { states?: readonly JobState[]; types?: readonly string[]; ids?: readonly number[]; limit?: number } = {},
): Promise<JobDetail[]> {
  const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 50), 1), 1000)
  const rows = await store.db
    .selectFrom('store_jobs')
    .select([...COLUMNS])
    .where('site', '=', store.site)
    .$if(filter.states !== undefined && filter.states.length > 0, (qb) => qb.where('state', 'in', [...filter.states!]))
    .$if(filter.types !== undefined && filter.types.length > 0, (qb) => qb.where('type', 'in', [...filter.types!]))
    .$if(filter.ids !== undefined, (qb) => qb.where('id', 'in', filter.ids!.length > 0 ? [...filter.ids!] : [-1]))
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
  return rows.map(toDetail)
}

/** One job, or null when it never existed or was purged. */
export async function readJob(store: Store, id: number): Promise<JobDetail | null> {
  const [job] = await listJobs(store, { ids: [id], limit: 1 })
  return job ?? null
}

type Row = {
  id: number | string; type: string; state: string; outcome: string | null; summary: string | null; attempts: number | string
  max_attempts: number | string; created_at_ms: number | string; updated_at_ms: number | string; finished_at_ms: number | string | null
  run_after_ms: number | string; lease_owner: string | null; lease_until_ms: number | string | null; journal: string | null; request_id: string | null
}

function toDetail(row: Row): JobDetail {
  return {
    id: toNumber(row.id),
    type: row.type,
    state: row.state as JobState,
    outcome: row.outcome === 'success' || row.outcome === 'failure' ? row.outcome : null,
    summary: row.summary,
    attempts: toNumber(row.attempts),
    maxAttempts: toNumber(row.max_attempts),
    createdAtMs: toNumber(row.created_at_ms),
    updatedAtMs: toNumber(row.updated_at_ms),
    finishedAtMs: toNumber(row.finished_at_ms),
    runAfterMs: toNumber(row.run_after_ms),
    leaseOwner: row.lease_owner,
    leaseUntilMs: toNumber(row.lease_until_ms),
    steps: journalSteps(row.journal),
    requestId: row.request_id,
  }
}

function journalSteps(text: string | null): string[] {
  if (!text) return []
  try {
    const value = JSON.parse(text) as unknown
    return value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : []
  } catch {
    return []
  }
}
