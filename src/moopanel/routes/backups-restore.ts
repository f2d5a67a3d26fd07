import { isWellFormedBackupLink, readCourseChangeMarkers, resolveBackupFile } from '../../moodle/index.ts'
import { acceptAsync, type AsyncPlan } from '../async/accept-async.ts'
import { idValue } from '../async/id-value.ts'
import type { MoopanelCode } from '../../shared/error-catalogue.ts'
import { errorReply, type EndpointContext, type EndpointHandler } from '../context.ts'
import { sealJobSecret } from '../jobs/job-secrets.ts'
import { restoreBackupRequest } from '../jobs/restore-backup.ts'

const error = (code: MoopanelCode): AsyncPlan => ({ kind: 'error', reply: errorReply(code) })
const invalid = (path: string): AsyncPlan => ({ kind: 'error', reply: errorReply('MB_INVALID_FIELD', { path }) })

/** PUT /backups: one `backup_course_restore` job (moopanel-api.md §4.18). */
export const restoreBackup: EndpointHandler = (ctx) => acceptAsync(ctx, () => plan(ctx))

/** The §4.18 validation table, in its order; the password is sealed before it goes into the job row. */
async function plan(ctx: EndpointContext): Promise<AsyncPlan> {
  // moodle_course_id is checked by the route table; the rest follows the course check, here.
  const p = ctx.payload
  const courseId = idValue(p['moodle_course_id'])!
  if (!(await readCourseChangeMarkers(ctx.deps.moodle, [courseId])).has(courseId)) return error('MB_RESTORE_COURSE_NOT_FOUND')
  const link = p['link']
  if (!isWellFormedBackupLink(link) || (await resolveBackupFile(ctx.deps.moodle, link)) === null) {
    return error('MB_RESTORE_LINK_INVALID')
  }
  const instanceId = idValue(p['instance_id'])
  if (instanceId === null) return error('MB_RESTORE_INSTANCE_ID_INVALID')
  if ((p['storage'] ?? 'local') !== 'local') return error('MB_STORAGE_NOT_LOCAL')
  const password = p['password'] ?? ''
  if (typeof password !== 'string') return invalid('password')
  const userId = optionalId(p['user_id'])
  if (userId === undefined) return invalid('user_id')
  const backupResultId = optionalId(p['backup_result_id'])
  if (backupResultId === undefined) return invalid('backup_result_id')
  const sealed = await sealJobSecret(ctx.deps.store, password, ctx.deps.nowMs())
  return {
    kind: 'jobs',
    jobs: [restoreBackupRequest({ instanceId, courseId, link, userId, backupResultId, password: sealed })],
    respond: ([id]) => ({ status: true, message: 'Course backup will be restored.', moodle_job_id: id ?? null }),
  }
}

/** An optional id: null when absent or null, undefined when malformed. */
function optionalId(value: unknown): number | null | undefined {
  if (value === undefined || value === null) return null
  return idValue(value) ?? undefined
}
