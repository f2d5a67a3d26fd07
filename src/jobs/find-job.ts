import type { Store } from '../store/index.ts'

/** Job states (moopanel-api.md §5.2). */
export type JobState = 'queued' | 'running' | 'retry_wait' | 'reporting' | 'finished'

/** A job as `/tasks/check` and `/backups` see it. */
export interface JobSummary {
  id: number
  type: string
  state: JobState
  outcome: 'success' | 'failure' | null
  summary: string | null
  payload: string
}

/** One job by id, or null when it never existed or was purged. */
export async function findJob(store: Store, id: number): Promise<JobSummary | null> {
  const row = await store.db
    .selectFrom('store_jobs')
    .select(['id', 'type', 'state', 'outcome', 'summary', 'payload'])
    .where('id', '=', id)
    .executeTakeFirst()
  return row ? toSummary(row) : null
}

/** Unfinished jobs of one type, by id. */
export async function listUnfinishedJobs(store: Store, type: string): Promise<JobSummary[]> {
  const rows = await store.db
    .selectFrom('store_jobs')
    .select(['id', 'type', 'state', 'outcome', 'summary', 'payload'])
    .where('type', '=', type)
    .where('state', '<>', 'finished')
    .orderBy('id')
    .execute()
  return rows.map(toSummary)
}

function toSummary(row: { id: number | string; type: string; state: string; outcome: string | null; summary: string | null; payload: string }): JobSummary {
  return {
    id: Number(row.id),
    type: row.type,
    state: row.state as JobState,
    outcome: row.outcome === 'success' || row.outcome === 'failure' ? row.outcome : null,
    summary: row.summary,
    payload: row.payload,
  }
}

/** How many jobs are not finished (for the queue's refusal rule, moopanel-api.md §5.3). */
export async function countUnfinishedJobs(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('store_jobs')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('state', '<>', 'finished')
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}
