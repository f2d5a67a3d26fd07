import { listUnfinishedJobs } from '../../jobs/index.ts'
import { isWellFormedBackupLink, resolveBackupFile } from '../../moodle/index.ts'
import { acceptAsync, type AsyncPlan } from '../async/accept-async.ts'
import { idValue } from '../async/id-value.ts'
import { errorReply, type EndpointContext, type EndpointHandler } from '../context.ts'
import { BACKUP_DELETE_JOB } from '../jobs/job-names.ts'
import { isObject } from '../json-values.ts'
import { deleteBackupRequest, type DeleteBackupPayload } from '../jobs/delete-backup.ts'

const invalid = (path: string): AsyncPlan => ({ kind: 'error', reply: errorReply('MB_INVALID_FIELD', { path }) })

/** DELETE /backups: one `backup_course_delete` job per deletable item (moopanel-api.md §4.19). */
export const deleteBackups: EndpointHandler = (ctx) => acceptAsync(ctx, () => plan(ctx))

interface Item {
  backupResultId: number
  outcome: { status: boolean; message: string; jobId: number | null } | { job: DeleteBackupPayload }
}

async function plan(ctx: EndpointContext): Promise<AsyncPlan> {
  // instance_id and non-empty storages and backups are checked by the route table; their items here.
  const p = ctx.payload
  const instanceId = idValue(p['instance_id'])!
  const storages = entriesOf(p['storages'])
  const backups = entriesOf(p['backups'])
  const storageKeys = new Map<number, string>()
  for (const [key, s] of storages) {
    const id = isObject(s) ? idValue(s['storage_id']) : null
    if (id === null) return invalid(`storages.${key}.storage_id`)
    if (typeof (s as Record<string, unknown>)['storage_key'] !== 'string') return invalid(`storages.${key}.storage_key`)
    storageKeys.set(id, (s as Record<string, string>)['storage_key']!)
  }
  const userId = p['user_id'] === undefined || p['user_id'] === null ? null : idValue(p['user_id'])
  if (userId === null && p['user_id'] !== undefined && p['user_id'] !== null) return invalid('user_id')
  const inProgress = await filesBeingDeleted(ctx)
  const items: Item[] = []
  for (const [key, b] of backups) {
    if (!isObject(b)) return invalid(`backups.${key}`)
    const backupResultId = idValue(b['backup_result_id'])
    if (backupResultId === null) return invalid(`backups.${key}.backup_result_id`)
    const storageId = idValue(b['storage_id'])
    if (storageId === null) return invalid(`backups.${key}.storage_id`)
    const link = b['link']
    if (typeof link !== 'string') return invalid(`backups.${key}.link`)
    items.push({ backupResultId, outcome: await decide(ctx, storageKeys.get(storageId), link, inProgress, { instanceId, userId, backupResultId, link }) })
  }
  const jobItems = items.filter((i): i is Item & { outcome: { job: DeleteBackupPayload } } => 'job' in i.outcome)
  return {
    kind: 'jobs',
    jobs: jobItems.map((i) => deleteBackupRequest(i.outcome.job)),
    respond: (ids) => {
      let next = 0
      return {
        backups: items.map((i) =>
          'job' in i.outcome
            ? { backup_result_id: i.backupResultId, status: true, message: 'Backup will be deleted.', moodle_job_id: ids[next++] ?? null }
            : { backup_result_id: i.backupResultId, status: i.outcome.status, message: i.outcome.message, moodle_job_id: i.outcome.jobId },
        ),
      }
    },
  }
}

async function decide(
  ctx: EndpointContext,
  storageKey: string | undefined,
  link: string,
  inProgress: Map<string, number>,
  job: DeleteBackupPayload,
): Promise<Item['outcome']> {
  if (storageKey === undefined) return { status: false, message: 'No storage data found.', jobId: null }
  if (storageKey !== 'local') return { status: false, message: 'Currently support only local storage.', jobId: null }
  if (!isWellFormedBackupLink(link) || (await resolveBackupFile(ctx.deps.moodle, link)) === null) {
    return { status: false, message: 'Invalid backup link.', jobId: null }
  }
  const running = inProgress.get(link)
  if (running !== undefined) return { status: false, message: 'Request already in process.', jobId: running }
  return { job }
}

/** Links of unfinished delete jobs → job id. */
async function filesBeingDeleted(ctx: EndpointContext): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const job of await listUnfinishedJobs(ctx.deps.store, BACKUP_DELETE_JOB)) {
    try {
      const link = (JSON.parse(job.payload) as { link?: unknown }).link
      if (typeof link === 'string' && !out.has(link)) out.set(link, job.id)
    } catch {
      // a malformed payload belongs to no file
    }
  }
  return out
}

/** An array, or an object keyed by digit strings taken in key order (§4.19), as [path key, value]. */
function entriesOf(value: unknown): Array<[string, unknown]> {
  if (Array.isArray(value)) return value.map((v, i) => [String(i), v])
  if (isObject(value)) return Object.entries(value).sort(([a], [b]) => Number(a) - Number(b) || (a < b ? -1 : 1))
  return []
}
