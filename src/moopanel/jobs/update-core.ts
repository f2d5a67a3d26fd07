import { mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { declareJob, RetryableError, type JobContext, type JobDefinition } from '../../jobs/index.ts'
import {
  assembleCoreTree, compareVersions, coreRootReplaceable, forgetPluginState, readCoreSettings, readCoreVersionFile, restoreDirectory,
  runUpgrade, setCliMaintenance, swapInDirectory,
} from '../../moodle/index.ts'
import { downloadPackage, unzipPackage } from '../../packages/index.ts'
import { AppError } from '../../shared/errors.ts'
import { writeStoreSetting } from '../../store/index.ts'
import { coreUpdateFinishedBody } from '../callbacks/callback-bodies.ts'
import { failureCallback } from './failure-callback.ts'
import { MANUAL_MESSAGE, RESTORED_MESSAGE, runPostChangeCommand } from './apply-plugin-code.ts'
import type { MoopanelJobDeps } from './job-deps.ts'
import { CORE_UPDATE_JOB } from './job-names.ts'
import { MAINTENANCE_OWNER_SETTING } from './moodle-gate.ts'
import { requestCallback } from './send-callback.ts'

/** What POST /moodle_core enqueues: the stored entry's URL, never the one MooPanel sent (§4.12). */
export interface UpdateCorePayload {
  instanceId: number
  updateId: number
  userId: number | null
  /** The requested version as received (compared numerically). */
  version: string
  download: string
  md5: string | null
}

/** The job's journal (§5.8 recovery: an interrupted job resumes at the first unfinished step). */
interface CoreJournal {
  phase: 'staged' | 'maintenance' | 'swapped' | 'restoring' | 'done'
  /** Moodle's `version` setting before the update. */
  before: string
  newMaturity: number
  message?: string
  status?: boolean
}

class CoreFailure extends Error {}

const SUCCESS_MESSAGE = 'Core update completed.'
const RETRY_DELAYS_MS = [60_000, 300_000, 900_000]

/** The `core_update` type: one job per request, Moodle-changing (exclusive site lock). */
export const updateCoreJobType = declareJob<UpdateCorePayload>({ name: CORE_UPDATE_JOB, moodleChanging: true, maxAttempts: 3, reports: true })

/** The job row of one core update. */
export const updateCoreRequest = updateCoreJobType.request

/**
 * `core_update` (§5.8): download and verify the stored package, unpack it, assemble the new tree
 * beside the old one (config.php, preserved paths and add-on plugins carried over), switch CLI
 * maintenance on, swap the Moodle root, upgrade, roll back when the upgrade failed before the
 * database moved on, switch maintenance off whatever happened (also when resuming after a crash),
 * then the callback (§6.5) on success and on failure.
 */
export function updateCoreJob(deps: MoopanelJobDeps): JobDefinition<UpdateCorePayload> {
  return updateCoreJobType.define({
    onFailure: failureCallback(deps, 'core_update_finished', (payload, job) => ({
      instanceId: payload.instanceId,
      body: coreUpdateFinishedBody({ status: false, jobId: job.id, userId: payload.userId, updateId: payload.updateId, message: 'Internal error.' }),
      summary: 'Internal error.',
    })),
    async run(ctx) {
      const { payload, job } = ctx
      const jobStaging = join(deps.code.stagingDir, 'jobs', String(job.id))
      let status = false
      let message: string
      try {
        ;({ status, message } = await updateCore(deps, ctx, jobStaging))
      } catch (error) {
        if (error instanceof RetryableError || ctx.signal.aborted) throw error
        message = error instanceof CoreFailure ? error.message : 'Internal error.'
        if (!(error instanceof CoreFailure)) ctx.log.error({ err: error }, 'core update failed unexpectedly')
      } finally {
        if (!ctx.signal.aborted) await endMaintenance(deps, ctx)
      }
      if (!ctx.signal.aborted) await rm(jobStaging, { recursive: true, force: true })
      const body = coreUpdateFinishedBody({ status, jobId: job.id, userId: payload.userId, updateId: payload.updateId, message })
      await requestCallback(
        deps,
        { kind: 'core_update_finished', instanceId: payload.instanceId, body: JSON.stringify(body), jobId: job.id, outcome: status ? 'success' : 'failure', summary: status ? null : message },
        ctx.nowMs(),
      )
      return { status, message }
    },
  })
}

async function updateCore(deps: MoopanelJobDeps, ctx: JobContext<UpdateCorePayload>, jobStaging: string): Promise<{ status: boolean; message: string }> {
  const rollback = join(deps.code.stagingDir, 'rollback', String(ctx.job.id), 'moodle')
  const newRoot = join(jobStaging, 'unpacked', 'moodle')
  let state = ctx.journal.get<CoreJournal>('core')
  if (state?.phase === 'done') return { status: state.status === true, message: state.message ?? 'Internal error.' }
  if (!state) {
    state = await stage(deps, ctx, jobStaging, newRoot)
    await ctx.journal.record('core', state)
  }
  if (state.phase === 'staged') {
    // Recorded before switching it on, so that a crash right after still switches it off.
    await ctx.journal.record('maintenance', true)
    await writeStoreSetting(deps.store, MAINTENANCE_OWNER_SETTING, String(ctx.job.id))
    await setCliMaintenance(deps.moodle, true, { phpBinary: deps.code.phpBinary, signal: ctx.signal })
    state = { ...state, phase: 'maintenance' }
    await ctx.journal.record('core', state)
  }
  if (state.phase === 'maintenance') {
    await swapInDirectory(deps.moodle.root, newRoot, rollback, 'core-swap-between-renames')
    state = { ...state, phase: 'swapped' }
    await ctx.journal.record('core', state)
    await runPostChangeCommand(deps)
  }
  forgetPluginState(deps.moodle)
  let result: { status: boolean; message: string }
  if (state.phase === 'restoring') {
    result = { status: false, message: state.message ?? RESTORED_MESSAGE }
    await restoreDirectory(deps.moodle.root, rollback, true)
  } else {
    const upgrade = await runUpgrade(deps.moodle, { phpBinary: deps.code.phpBinary, allowUnstable: state.newMaturity < 200, signal: ctx.signal })
    ctx.log.info({ exitCode: upgrade.exitCode, output: upgrade.stdout.slice(-4000), errors: upgrade.stderr.slice(-4000) }, 'core upgrade')
    const after = (await readCoreSettings(deps.moodle, ['version'])).get('version') ?? ''
    if (upgrade.exitCode === 0 && compareVersions(after, ctx.payload.version) === 0) {
      result = { status: true, message: SUCCESS_MESSAGE }
    } else if (compareVersions(after, state.before) === 0) {
      const detail = (upgrade.stderr.trim() || upgrade.stdout.trim()).split('\n').pop()?.trim()
      result = { status: false, message: detail ? `${RESTORED_MESSAGE}: ${detail}` : RESTORED_MESSAGE }
      await ctx.journal.record('core', { ...state, phase: 'restoring', message: result.message } satisfies CoreJournal)
      await restoreDirectory(deps.moodle.root, rollback, true)
    } else {
      result = { status: false, message: MANUAL_MESSAGE }
    }
  }
  await runPostChangeCommand(deps)
  forgetPluginState(deps.moodle)
  await ctx.journal.record('core', { ...state, phase: 'done', ...result } satisfies CoreJournal)
  return result
}

/** Steps 1–3: download, unpack, check the version, assemble the new tree; nothing in Moodle changes. */
async function stage(deps: MoopanelJobDeps, ctx: JobContext<UpdateCorePayload>, jobStaging: string, newRoot: string): Promise<CoreJournal> {
  const { payload } = ctx
  const limits = deps.packages
  await rm(jobStaging, { recursive: true, force: true })
  await mkdir(jobStaging, { recursive: true, mode: 0o750 })
  const zip = join(jobStaging, 'core.zip')
  try {
    await downloadPackage(payload.download, {
      allowedHosts: limits.allowedHosts,
      allowHttp: limits.allowHttp,
      maxBytes: limits.coreMaxBytes,
      timeoutMs: 30 * 60_000,
      targetFile: zip,
      ...(payload.md5 ? { expectedMd5: payload.md5 } : {}),
      signal: ctx.signal,
    })
  } catch (error) {
    const transient = error instanceof AppError && error.code === 'download_failed' && !/HTTP 4\d\d/.test(error.message)
    if (transient && ctx.job.attempt < ctx.job.maxAttempts) throw new RetryableError(error.message, RETRY_DELAYS_MS[ctx.job.attempt - 1])
    throw new CoreFailure('Can not download zip file.')
  }
  const unpacked = join(jobStaging, 'unpacked')
  try {
    await unzipPackage(zip, unpacked, { maxEntries: limits.zipMaxEntries, maxUncompressedBytes: limits.zipMaxUncompressedBytes })
  } catch {
    throw new CoreFailure('Can not extract downloaded zip file.')
  } finally {
    await rm(zip, { force: true })
  }
  const top = (await readdir(unpacked, { withFileTypes: true })).filter((e) => e.name !== '__MACOSX')
  const core = top.length === 1 && top[0]!.isDirectory() && top[0]!.name === 'moodle' ? await readCoreVersionFile(newRoot) : null
  if (!core) throw new CoreFailure('Can not extract downloaded zip file.')
  if (compareVersions(core.versionText, payload.version) !== 0) throw new CoreFailure('Downloaded version does not match the requested version.')
  const before = (await readCoreSettings(deps.moodle, ['version'])).get('version') ?? '0'
  if (compareVersions(core.versionText, before) < 0) throw new CoreFailure('Downgrade not allowed.')
  if (!(await coreRootReplaceable(deps.moodle, deps.code.stagingDir))) throw new CoreFailure('Core code directory is not replaceable.')
  await assembleCoreTree(deps.moodle, newRoot, limits.corePreservePaths)
  return { phase: 'staged', before, newMaturity: core.maturity }
}

/** Step 8: maintenance off if this job switched it on — on success, failure and resumption alike. */
async function endMaintenance(deps: MoopanelJobDeps, ctx: JobContext<UpdateCorePayload>): Promise<void> {
  if (ctx.journal.get('maintenance') !== true) return
  await setCliMaintenance(deps.moodle, false, { phpBinary: deps.code.phpBinary })
  await writeStoreSetting(deps.store, MAINTENANCE_OWNER_SETTING, null)
  await ctx.journal.record('maintenance', false)
}
