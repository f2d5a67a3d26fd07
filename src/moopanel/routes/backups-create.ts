import { readCourseChangeMarkers } from '../../moodle/index.ts'
import { readLastAutoBackups } from '../../store/index.ts'
import { acceptAsync, type AsyncPlan } from '../async/accept-async.ts'
import { idValue } from '../async/id-value.ts'
import type { EndpointContext, EndpointHandler } from '../context.ts'
import { createBackupRequest } from '../jobs/create-backup.ts'

/** POST /backups: one `backup_course` job per course that exists and needs one (moopanel-api.md §4.17). */
export const createBackups: EndpointHandler = (ctx) => acceptAsync(ctx, () => plan(ctx))

async function plan(ctx: EndpointContext): Promise<AsyncPlan> {
  // instance_id, mode, storage and courses are checked by the route table.
  const p = ctx.payload
  const instanceId = idValue(p['instance_id'])!
  const mode = (p['mode'] ?? 'auto') as 'manual' | 'auto'
  const courses = [...new Set((p['courses'] as unknown[]).map((id) => idValue(id)!))]
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
