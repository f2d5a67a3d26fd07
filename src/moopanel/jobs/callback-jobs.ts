import { listJobs, recordedJobIds, type JobDetail } from '../../jobs/index.ts'
import type { Store } from '../../store/index.ts'

/**
 * The callback jobs of a MooPanel job (each delivery attempt, its status and next retry), found
 * through the idempotency record `requestCallback` writes (`callback:<job id>`, kept 7 days).
 */
export async function callbackJobsOf(store: Store, jobId: number): Promise<JobDetail[]> {
  const ids = await recordedJobIds(store, `callback:${jobId}`)
  return ids.length === 0 ? [] : listJobs(store, { ids, limit: ids.length })
}
