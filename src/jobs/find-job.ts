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
  /** What `run` returned (JSON text), once it succeeded. */
  result: string | null
}

/** One job by id, or null when it never existed or was purged. */
export async function findJob(store: Store, id: number): Promise<JobSummary | null> {
  const row = await store.db
    .selectFrom('store_jobs')
    .select(['id', 'type', 'state', 'outcome', 'summary', 'payload', 'result'])
    .where('id', '=', id)
    .where('site', '=', store.site)
    .executeTakeFirst()
  return row ? toSummary(row) : null
}

/** Unfinished jobs of one type, by id. */
export async function listUnfinishedJobs(store: Store, type: string): Promise<JobSummary[]> {
  const rows = await store.db
    .selectFrom('store_jobs')
    .select(['id', 'type', 'state', 'outcome', 'summary', 'payload', 'result'])
    .where('site', '=', store.site)
    .where('type', '=', type)
    .where('state', '<>', 'finished')
    .orderBy('id')
    .execute()
  return rows.map(toSummary)
}

function toSummary(row: { id: number | string; type: string; state: string; outcome: string | null; summary: string | null; payload: string; result: string | null }): JobSummary {
  return {
    id: Number(row.id),
    type: row.type,
    state: row.state as JobState,
    outcome: row.outcome === 'success' || row.outcome === 'failure' ? row.outcome : null,
    summary: row.summary,
    payload: row.payload,
    result: row.result,
  }
}

/** How many jobs are not finished (for the queue's refusal rule, moopanel-api.md §5.3). */
export async function countUnfinishedJobs(store: Store, types?: readonly string[]): Promise<number> {
  const row = await store.db
    .selectFrom('store_jobs')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('site', '=', store.site)
    .where('state', '<>', 'finished')
    .$if(types !== undefined, (qb) => qb.where('type', 'in', types!.length > 0 ? [...types!] : ['']))
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

/** Removes a job that has not started yet; false when it already started (or does not exist). */
export async function cancelQueuedJob(store: Store, id: number): Promise<boolean> {
  const result = await store.db.deleteFrom('store_jobs').where('id', '=', id).where('site', '=', store.site).where('state', '=', 'queued').executeTakeFirst()
  return Number(result.numDeletedRows) === 1
}

/**
 * States of a job that has not finished its change (moopanel-api.md §5.3 rule 3): queued, running
 * or waiting to retry. A job in `reporting` has completed its change and only awaits the settlement
 * of its callback, which may take up to `callback_max_age_s` while the panel is unreachable.
 */
const CHANGE_PENDING: readonly JobState[] = ['queued', 'running', 'retry_wait']

/** How many jobs of the given types have not finished their change (§5.3 rule 3). */
export async function countJobsChangePending(store: Store, types: readonly string[]): Promise<number> {
  const row = await store.db
    .selectFrom('store_jobs')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('site', '=', store.site)
    .where('state', 'in', [...CHANGE_PENDING])
    .where('type', 'in', types.length > 0 ? [...types] : [''])
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

/** Moodle-changing jobs that have not finished their change (queued, running or retrying; §5.3 rule 3). */
export async function countUnfinishedMoodleChangingJobs(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('store_jobs')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('site', '=', store.site)
    .where('state', 'in', [...CHANGE_PENDING])
    .where('moodle_changing', '=', 1)
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}
