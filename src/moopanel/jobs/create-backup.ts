import { randomBytes } from 'node:crypto'
import { link as hardLink, mkdir, readdir, rm, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { declareJob, type JobDefinition } from '../../jobs/index.ts'
import { backupFolderOf, makePhpWritableDir, runMoodleScript } from '../../moodle/index.ts'
import { writeEncryptedZip } from '../../packages/index.ts'
import { recordAutoBackup } from '../../store/index.ts'
import { backupCreatedBody } from '../callbacks/callback-bodies.ts'
import { failureCallback } from './failure-callback.ts'
import type { MoopanelJobDeps } from './job-deps.ts'
import { BACKUP_CREATE_JOB } from './job-names.ts'
import { requestCallback } from './send-callback.ts'

/** One course backup (moopanel-api.md §5.10). `course_id` is what GET /backups lists. */
export interface CreateBackupPayload {
  course_id: number
  instance_id: number
  mode: 'manual' | 'auto'
}

/** Moodle script failures are reported, not retried; extra attempts only re-run a job whose worker died (§5.10: start again at step 1). */
const MAX_ATTEMPTS = 3
/** Moodle's backup may take hours on a large course (§5.4: 4 h). */
const BACKUP_TIMEOUT_MS = 4 * 3_600_000

/** The `backup_course` type: under the shared site lock; backups and restores of one course run one after another (§5.4). */
export const createBackupJobType = declareJob<CreateBackupPayload>({
  name: BACKUP_CREATE_JOB,
  moodleChanging: false,
  sharedLock: true,
  serialKey: (payload) => `course:${payload.course_id}`,
  maxAttempts: MAX_ATTEMPTS,
  reports: true,
  timeoutMs: BACKUP_TIMEOUT_MS + 600_000,
})

/** The job row of one course backup. */
export const createBackupRequest = createBackupJobType.request

class BackupFailure extends Error {}

/**
 * `backup_course`: Moodle's `backup.php` into a per-job staging folder, the `.mbz` packed into an
 * AES-256 encrypted ZIP with a fresh 22-character password, moved into `<mode>/` without ever
 * overwriting, the auto-backup time recorded, then the callback (§6.2) with link, password, size —
 * or with placeholders and the reason on failure. Re-running starts again at step 1.
 */
export function createBackupJob(deps: MoopanelJobDeps): JobDefinition<CreateBackupPayload> {
  return createBackupJobType.define({
    onFailure: failureCallback(deps, 'backup_created', (payload) => {
      const message = 'Problem while creating backup.'
      return { instanceId: payload.instance_id, body: backupCreatedBody({ status: false, courseId: payload.course_id, message }), summary: message }
    }),
    async run({ job, payload, nowMs, signal }) {
      const startedAtSec = Math.floor(nowMs() / 1000)
      const folder = backupFolderOf(deps.moodle)
      const staging = join(folder, '.staging', String(job.id))
      let body
      try {
        const stored = await backUp(deps, payload, staging, job.id, startedAtSec, signal)
        if (payload.mode === 'auto') await recordAutoBackup(deps.store, payload.course_id, startedAtSec)
        body = backupCreatedBody({ status: true, courseId: payload.course_id, link: stored.link, password: stored.password, sizeBytes: stored.sizeBytes })
      } catch (error) {
        const message = error instanceof BackupFailure ? error.message : 'Problem while creating backup.'
        body = backupCreatedBody({ status: false, courseId: payload.course_id, message })
      } finally {
        await rm(staging, { recursive: true, force: true })
      }
      await requestCallback(
        deps,
        { kind: 'backup_created', instanceId: payload.instance_id, body: JSON.stringify(body), jobId: job.id, outcome: body.status ? 'success' : 'failure', summary: body.message },
        nowMs(),
      )
      return { status: body.status, link: body.status ? body.link : null }
    },
  })
}

async function backUp(deps: MoopanelJobDeps, p: CreateBackupPayload, staging: string, jobId: number, startedAtSec: number, signal: AbortSignal) {
  await rm(staging, { recursive: true, force: true })
  await makePhpWritableDir(deps.moodle, staging).catch(() => {
    throw new BackupFailure('Backup directory not writable.')
  })
  const script = await runMoodleScript(deps.moodle, 'backup', {
    phpBinary: deps.code.phpBinary,
    args: [`--courseid=${p.course_id}`, `--destination=${staging}`],
    timeoutMs: BACKUP_TIMEOUT_MS,
    signal,
  })
  const mbz = (await readdir(staging)).filter((f) => f.endsWith('.mbz'))
  if (script.exitCode !== 0 || mbz.length !== 1) throw new BackupFailure('Problem while creating backup.')
  const password = randomBytes(16).toString('base64url')
  const name = `course_${p.course_id}__${utcStamp(startedAtSec)}__${jobId}`
  const zip = join(staging, `${name}.zip`)
  try {
    await writeEncryptedZip(join(staging, mbz[0]!), `${name}.mbz`, zip, password)
  } catch {
    throw new BackupFailure('Problem while copying backup zip file.')
  }
  const target = join(backupFolderOf(deps.moodle), p.mode, `${name}.zip`)
  await mkdir(join(backupFolderOf(deps.moodle), p.mode), { recursive: true, mode: 0o750 })
  // link + unlink: a rename that never overwrites (link fails when the target exists).
  await hardLink(zip, target).catch(() => {
    throw new BackupFailure('Problem while copying backup zip file.')
  })
  await unlink(zip)
  return { link: `${p.mode}/${name}.zip`, password, sizeBytes: (await stat(target)).size }
}

function utcStamp(sec: number): string {
  const d = new Date(sec * 1000)
  const two = (n: number) => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}_${two(d.getUTCMonth() + 1)}_${two(d.getUTCDate())}_${two(d.getUTCHours())}_${two(d.getUTCMinutes())}_${two(d.getUTCSeconds())}`
}
