import { declareJob, type JobDefinition } from '../../jobs/index.ts'
import { deleteBackupFile } from '../../moodle/index.ts'
import { deletionFinishedBody } from '../callbacks/callback-bodies.ts'
import { failureCallback } from './failure-callback.ts'
import type { MoopanelJobDeps } from './job-deps.ts'
import { BACKUP_DELETE_JOB } from './job-names.ts'
import { requestCallback } from './send-callback.ts'

/** One backup file to delete (moopanel-api.md §5.12), with the ids MooPanel sent. */
export interface DeleteBackupPayload {
  instanceId: number
  userId: number | null
  backupResultId: number
  link: string
}

/** The `backup_course_delete` type: no site lock; waits for jobs about the same backup file. */
export const deleteBackupJobType = declareJob<DeleteBackupPayload>({
  name: BACKUP_DELETE_JOB,
  moodleChanging: false,
  serialKey: (payload) => backupSerialKey(payload.link),
  maxAttempts: 3,
  reports: true,
})

/** The job row of one deletion (what DELETE /backups enqueues). */
export const deleteBackupRequest = deleteBackupJobType.request

/**
 * The serial key of jobs about a backup file (§5.4: backups and restores of one course run one
 * after another, a deletion waits while a restore of the same file runs): the course named in the
 * file name (`course_<id>__…`), else the link itself.
 */
export function backupSerialKey(link: string): string {
  const course = /(?:^|\/)course_(\d{1,10})__[^/]*$/.exec(link)?.[1]
  return course ? `course:${Number(course)}` : `file:${link.slice(0, 120)}`
}

const MESSAGES = {
  deleted: 'Backup deleted successfully.',
  absent: 'Backup file does not exist.',
  failed: 'Backup not deleted.',
  invalid: 'Invalid backup link.',
} as const

/**
 * `backup_course_delete`: re-checks the link rule, deletes the file (already absent counts as
 * deleted), then reports by callback (§6.4); the job stays in `reporting` until that is settled.
 * Idempotent: a re-run finds the file absent and the callback already queued.
 */
export function deleteBackupJob(deps: MoopanelJobDeps): JobDefinition<DeleteBackupPayload> {
  return deleteBackupJobType.define({
    onFailure: failureCallback(deps, 'deletion_finished', (payload) => {
      const body = deletionFinishedBody({ status: false, userId: payload.userId, backupResultId: payload.backupResultId, message: 'Backup not deleted.' })
      return { instanceId: payload.instanceId, body, summary: body.message }
    }),
    async run({ job, payload, nowMs }) {
      const result = await deleteBackupFile(deps.moodle, payload.link)
      const status = result === 'deleted' || result === 'absent'
      const message = MESSAGES[result]
      const body = deletionFinishedBody({ status, userId: payload.userId, backupResultId: payload.backupResultId, message })
      await requestCallback(
        deps,
        {
          kind: 'deletion_finished',
          instanceId: payload.instanceId,
          body: JSON.stringify(body),
          jobId: job.id,
          outcome: status ? 'success' : 'failure',
          summary: status ? null : message,
        },
        nowMs(),
      )
      return { status, message }
    },
  })
}
