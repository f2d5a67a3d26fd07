import type { Store } from '../store/index.ts'
import type { JobState } from './find-job.ts'
import { toNumber } from './to-number.ts'

/** How many jobs of one type are in one state with one outcome. */
export interface JobCount {
  type: string
  state: JobState
  outcome: 'success' | 'failure' | null
  count: number
}

/** Every job of the store view's site counted by type, state and outcome, in one grouped query (metrics at scrape time). */
export async function countJobs(store: Store): Promise<JobCount[]> {
  const rows = await store.db
    .selectFrom('store_jobs')
    .select(['type', 'state', 'outcome'])
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('site', '=', store.site)
    .groupBy(['type', 'state', 'outcome'])
    .execute()
  return rows.map((row) => ({
    type: row.type,
    state: row.state as JobState,
    outcome: row.outcome === 'success' || row.outcome === 'failure' ? row.outcome : null,
    count: toNumber(row.n),
  }))
}

/**
 * The finished successful jobs of one type counted by their result (the JSON text `run`
 * returned), in one grouped query: for a type whose results are a few fixed values.
 */
export async function countJobResults(store: Store, type: string): Promise<{ result: string | null; count: number }[]> {
  const rows = await store.db
    .selectFrom('store_jobs')
    .select('result')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('site', '=', store.site)
    .where('type', '=', type)
    .where('state', '=', 'finished')
    .where('outcome', '=', 'success')
    .groupBy('result')
    .execute()
  return rows.map((row) => ({ result: row.result, count: toNumber(row.n) }))
}
