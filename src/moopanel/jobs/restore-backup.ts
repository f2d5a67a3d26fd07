import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { declareJob, type JobDefinition, type JobLogger } from '../../jobs/index.ts'
import { backupFolderOf, makePhpWritableDir, readMbzInfo, resolveBackupFile, restoreCourseBackup } from '../../moodle/index.ts'
import { extractEncryptedEntry } from '../../packages/index.ts'
import { AppError } from '../../shared/errors.ts'
import { restoreFinishedBody } from '../callbacks/callback-bodies.ts'
import { eraseJobSecret, openJobSecret } from './job-secrets.ts'
import { failureCallback } from './failure-callback.ts'
import type { MoopanelJobDeps } from './job-deps.ts'
import { BACKUP_RESTORE_JOB } from './job-names.ts'
import { requestCallback } from './send-callback.ts'

/** One restore (moopanel-api.md §4.18, §5.11) with the ids MooPanel sent. */
export interface RestoreBackupPayload {
  instanceId: number
  courseId: number
  link: string
  userId: number | null
  backupResultId: number | null
  /** The archive password, sealed (job-secrets.ts); its key is erased once the outcome is known. */
  password: string
}

/** Script failures are reported, not retried; extra attempts only re-run a job whose worker died (§5.11: start again at step 1). */
const MAX_ATTEMPTS = 3
/** §5.4: a backup or restore may take 4 h. */
const RESTORE_TIMEOUT_MS = 4 * 3_600_000

/** The §5.11 outcome texts. */
export const RESTORE_MESSAGES = {
  restored: 'Backup restored.',
  notFound: 'Backup file not found.',
  wrongPassword: 'Password incorrect.',
  invalidArchive: 'Invalid backup archive.',
  otherCourse: 'Backup belongs to another course.',
  notRestored: 'Backup not restored.',
} as const

/** Short reasons appended to "Backup not restored." per helper failure code (no paths, no Moodle text). */
const HELPER_REASONS: Record<string, string> = {
  precheck_failed: 'pre-check failed',
  restore_failed: 'restore failed',
  extract_failed: 'backup could not be unpacked',
  unsupported_format: 'not a Moodle 2 backup',
  not_course_backup: 'not a course backup',
  course_not_found: 'course not found',
  upgrade_pending: 'Moodle needs upgrading',
  no_admin: 'no site administrator',
  timeout: 'timed out',
}

/** The `backup_course_restore` type: under the shared site lock; restores and backups of one course run one after another (§5.4). */
export const restoreBackupJobType = declareJob<RestoreBackupPayload>({
  name: BACKUP_RESTORE_JOB,
  moodleChanging: false,
  sharedLock: true,
  serialKey: (payload) => `course:${payload.courseId}`,
  maxAttempts: MAX_ATTEMPTS,
  reports: true,
  timeoutMs: RESTORE_TIMEOUT_MS + 600_000,
})

/** The job row of one restore. */
export const restoreBackupRequest = restoreBackupJobType.request

interface Outcome {
  status: boolean
  message: string
}

class RestoreFailure extends Error {}

/**
 * `backup_course_restore`: re-checks the link, opens the AES-encrypted ZIP with the password
 * (AE-1 and AE-2), extracts its one `.mbz` into `.staging/<job id>/`, checks that the backup is a
 * course backup of the target course, runs the restore helper (existing course, content deleted
 * first), then erases the password's key and reports by callback (§6.3). The outcome is journaled
 * before the key is erased, so a re-run after a crash only repeats the callback request; a re-run
 * before that starts again at step 1 (restoring twice is safe: the content is deleted again).
 */
export function restoreBackupJob(deps: MoopanelJobDeps): JobDefinition<RestoreBackupPayload> {
  const reportFailure = failureCallback<RestoreBackupPayload>(deps, 'restore_finished', (payload) => {
    const body = restoreFinishedBody({ status: false, userId: payload.userId, backupResultId: payload.backupResultId, courseId: payload.courseId, message: 'Backup not restored.' })
    return { instanceId: payload.instanceId, body, summary: body.message }
  })
  return restoreBackupJobType.define({
    async onFailure(ctx, summary) {
      await eraseJobSecret(deps.store, ctx.payload.password).catch(() => undefined)
      await reportFailure(ctx, summary)
    },
    async run({ job, payload, nowMs, signal, journal, log }) {
      let outcome = journal.get<Outcome>('outcome')
      if (!outcome) {
        const staging = join(backupFolderOf(deps.moodle), '.staging', String(job.id))
        try {
          outcome = await restore(deps, payload, staging, signal, log)
        } finally {
          await rm(staging, { recursive: true, force: true })
        }
        // A stopped worker must not record a failure that was only its own interruption.
        signal.throwIfAborted()
        await journal.record('outcome', outcome)
      }
      await eraseJobSecret(deps.store, payload.password)
      const body = restoreFinishedBody({ ...outcome, userId: payload.userId, backupResultId: payload.backupResultId, courseId: payload.courseId })
      await requestCallback(
        deps,
        {
          kind: 'restore_finished',
          instanceId: payload.instanceId,
          body: JSON.stringify(body),
          jobId: job.id,
          outcome: outcome.status ? 'success' : 'failure',
          summary: outcome.status ? null : body.message,
        },
        nowMs(),
      )
      return { ...outcome }
    },
  })
}

async function restore(deps: MoopanelJobDeps, p: RestoreBackupPayload, staging: string, signal: AbortSignal, log: JobLogger): Promise<Outcome> {
  const fail = (message: string) => ({ status: false, message })
  try {
    const file = await resolveBackupFile(deps.moodle, p.link)
    const isFile = file !== null && (await stat(file).then((s) => s.isFile(), () => false))
    if (!isFile) throw new RestoreFailure(RESTORE_MESSAGES.notFound)
    const password = await openJobSecret(deps.store, p.password)
    if (password === null) throw new RestoreFailure(RESTORE_MESSAGES.notRestored)
    await rm(staging, { recursive: true, force: true })
    await makePhpWritableDir(deps.moodle, staging)
    const mbz = await extractEncryptedEntry(file!, { password, select: (path) => /\.mbz$/i.test(path), targetDir: staging, signal }).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'zip_wrong_password') throw new RestoreFailure(RESTORE_MESSAGES.wrongPassword)
      if (error instanceof AppError) throw new RestoreFailure(RESTORE_MESSAGES.invalidArchive)
      throw error
    })
    const info = await readMbzInfo(mbz.path)
    if (info === null) return fail(RESTORE_MESSAGES.invalidArchive)
    if (info.type !== 'course' || info.originalCourseId !== p.courseId) return fail(RESTORE_MESSAGES.otherCourse)
    const result = await restoreCourseBackup(deps.moodle, { phpBinary: deps.code.phpBinary, courseId: p.courseId, mbzFile: mbz.path, timeoutMs: RESTORE_TIMEOUT_MS, signal })
    if (result.ok) return { status: true, message: RESTORE_MESSAGES.restored }
    log.warn({ courseId: p.courseId, error: result.error, detail: result.message, exitCode: result.exitCode }, 'restore helper failed')
    const reason = HELPER_REASONS[result.error]
    return fail(reason ? `${RESTORE_MESSAGES.notRestored}: ${reason}` : RESTORE_MESSAGES.notRestored)
  } catch (error) {
    if (error instanceof RestoreFailure) return fail(error.message)
    if (signal.aborted) throw error
    log.error({ err: error, courseId: p.courseId }, 'restore failed unexpectedly')
    return fail(RESTORE_MESSAGES.notRestored)
  }
}
