import { readCourseChangeMarkers } from '../../moodle/index.ts'
import { readLastAutoBackups } from '../../store/index.ts'
import { acceptAsync, type AsyncPlan } from '../async/accept-async.ts'
import { idValue } from '../async/id-value.ts'
import { errorReply, type EndpointContext, type EndpointHandler } from '../context.ts'
import { createBackupRequest } from '../jobs/create-backup.ts'

const error = (message: string): AsyncPlan => ({ kind: 'error', reply: errorReply(400, message) })

/** POST /backups: one `backup_course` job per course that exists and needs one (moopanel-api.md §4.17). */
export const createBackups: EndpointHandler = (ctx) => acceptAsync(ctx, () => plan(ctx))

async function plan(ctx: EndpointContext): Promise<AsyncPlan> {
  const p = ctx.payload
  const instanceId = idValue(p['instance_id'])
  if (instanceId === null) return error('Bad Request - Please provide a valid instance ID.')
  const mode = p['mode'] === undefined ? 'auto' : p['mode']
  if (mode !== 'manual' && mode !== 'auto') return error('Bad Request - Please provide a valid backup mode.')
  if ((p['storage'] ?? 'local') !== 'local') return error('Currently support only local storage.')
  const raw = p['courses']
  const ids = Array.isArray(raw) ? raw.map(idValue) : []
  if (ids.length === 0 || ids.some((id) => id === null)) return error('Bad Request - Please provide Moodle course ids.')
  const courses = [...new Set(ids as number[])]
  const [markers, lastAuto] = await Promise.all([
    readCourseChangeMarkers(ctx.deps.moodle, courses),
    mode === 'auto' ? readLastAutoBackups(ctx.deps.store, courses) : Promise.resolve(new Map<number, number>()),
  ])
  const toBack: number[] = []
  const errors: Array<{ id: number; status: number; message: string }> = []
  for (const id of courses) {
    const marker = markers.get(id)
    const last = lastAuto.get(id)
    if (marker === undefined) errors.push({ id, status: 404, message: 'Course not exist.' })
    else if (mode === 'auto' && last !== undefined && marker < last) errors.push({ id, status: 204, message: 'Course not need backup.' })
    else toBack.push(id)
  }
  return {
    kind: 'jobs',
    jobs: toBack.map((id) => createBackupRequest({ course_id: id, instance_id: instanceId, mode })),
    respond: (jobIds) => ({
      backups: toBack.map((id, i) => ({ id, status: 200, moodle_job_id: jobIds[i] ?? null, message: 'Backup will be created.' })),
      errors,
    }),
  }
}
