import { listUnfinishedJobs } from '../../jobs/index.ts'
import { ok, type EndpointHandler } from '../context.ts'
import { BACKUP_CREATE_JOB } from '../jobs/job-names.ts'

/** GET /backups: unfinished backup jobs, by job id (§4.16). */
export const backupsInProgress: EndpointHandler = async (ctx) => {
  const jobs = await listUnfinishedJobs(ctx.deps.store, BACKUP_CREATE_JOB)
  const courseIds = jobs.map((j) => courseIdOf(j.payload)).filter((id): id is number => id !== null)
  return ok({ backups_in_progress: courseIds.map((id) => ({ id, message: 'in progress' })) })
}

function courseIdOf(payload: string): number | null {
  try {
    const id = (JSON.parse(payload) as { course_id?: unknown }).course_id
    return typeof id === 'number' ? id : null
  } catch {
    return null
  }
}
