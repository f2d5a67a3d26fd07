import { declareJob, enqueueJobs, RetryableError, settleJob, type JobDefinition } from '../../jobs/index.ts'
import { exportAdminSettings, readCoreSettings, readMoodleTimezone, type HelperFailure } from '../../moodle/index.ts'
import { adminPresetBody } from '../callbacks/callback-bodies.ts'
import {
  buildPresetXml, DEFAULT_SENSIBLE_SETTINGS, PRESET_MAX_BYTES, presetComment, selectPresetSettings,
} from '../presets/build-preset-xml.ts'
import type { MoopanelJobDeps } from './job-deps.ts'
import { ADMIN_PRESET_CREATE_JOB, JOB_NAMES } from './job-names.ts'
import { requestCallback } from './send-callback.ts'

/** One configuration export (moopanel-api.md §4.13, §5.9). */
export interface CreateAdminPresetPayload {
  instanceId: number
}

/** §5.4: helpers other than backup and restore get 10 minutes. */
const HELPER_TIMEOUT_MS = 10 * 60_000
/** What the preset is called in MooPanel (as the original plugin named it). */
const PRESET_NAME = 'Moopanel'
const PRESET_AUTHOR = 'Moopanel App'

/** Failure summaries (`/tasks/check` `error`; there is no failure callback, §6.8). */
export const PRESET_FAILURES = {
  export: 'Configuration export failed.',
  tooLarge: 'Preset too large.',
  undelivered: 'Preset not accepted by MooPanel.',
} as const

const HELPER_REASONS: Record<string, string> = {
  unsupported: 'admin presets need Moodle 4.1',
  export_failed: 'Moodle could not export the settings',
  upgrade_pending: 'Moodle needs upgrading',
  no_admin: 'no site administrator',
  timeout: 'timed out',
}

/** The `admin_presets_create` type: it only reads Moodle, under the shared site lock. */
export const createAdminPresetJobType = declareJob<CreateAdminPresetPayload>({
  name: ADMIN_PRESET_CREATE_JOB,
  moodleChanging: false,
  sharedLock: true,
  maxAttempts: 3,
  reports: true,
  timeoutMs: HELPER_TIMEOUT_MS + 120_000,
})

/** The job row of one export. */
export const createAdminPresetRequest = createAdminPresetJobType.request

/**
 * `admin_presets_create`: collects the site configuration through the export helper (nothing is
 * written to Moodle), leaves out sensitive settings unless `presets_include_sensitive`, builds the
 * §5.9 XML (deterministic, at most 10 MiB) and delivers it (§6.8). The delivery is the work: the
 * job succeeds only once MooPanel accepted the callback (`failureUnlessAccepted`); a failed export
 * has no callback and is settled as a failure by `job.settle`. Re-running rebuilds the document;
 * the callback is requested once per job.
 */
export function createAdminPresetJob(deps: MoopanelJobDeps): JobDefinition<CreateAdminPresetPayload> {
  return createAdminPresetJobType.define({
    async onFailure({ job, nowMs }) {
      await settleAsFailure(deps, job.id, 'Internal error.', nowMs())
    },
    async run({ job, payload, nowMs, signal, log }) {
      const exported = await exportAdminSettings(deps.moodle, { phpBinary: deps.code.phpBinary, timeoutMs: HELPER_TIMEOUT_MS, signal })
      if (!exported.ok) {
        signal.throwIfAborted()
        log.warn({ error: exported.error, detail: exported.message, exitCode: exported.exitCode }, 'admin settings export failed')
        return settleAsFailure(deps, job.id, exportFailure(exported), nowMs())
      }
      const createdAtSec = Math.floor(nowMs() / 1000)
      const [core, zone] = await Promise.all([readCoreSettings(deps.moodle, ['version', 'release']), presetZone(deps)])
      const { settings, frontpage, plugins, sensibleSettings } = exported.value
      const xml = buildPresetXml({
        name: PRESET_NAME,
        comments: presetComment(createdAtSec, zone),
        createdAtSec,
        siteUrl: deps.moodle.wwwroot,
        author: PRESET_AUTHOR,
        moodleVersion: core.get('version') ?? '',
        moodleRelease: core.get('release') ?? '',
        settings: selectPresetSettings(settings, {
          frontpage,
          // An empty list is Moodle's "filter nothing"; the service errs on the safe side.
          sensible: sensibleSettings.length > 0 ? sensibleSettings : DEFAULT_SENSIBLE_SETTINGS,
          includeSensitive: deps.presets?.includeSensitive ?? false,
        }),
        plugins,
      })
      const sizeBytes = Buffer.byteLength(xml)
      if (sizeBytes > PRESET_MAX_BYTES) return settleAsFailure(deps, job.id, PRESET_FAILURES.tooLarge, nowMs())
      await requestCallback(
        deps,
        {
          kind: 'admin_preset',
          instanceId: payload.instanceId,
          body: adminPresetBody(xml),
          jobId: job.id,
          outcome: 'success',
          summary: null,
          failureUnlessAccepted: PRESET_FAILURES.undelivered,
        },
        nowMs(),
      )
      return { status: true, sizeBytes }
    },
  })
}

/** Payload of `job.settle`. */
interface SettlePayload {
  jobId: number
  outcome: 'success' | 'failure'
  summary: string | null
}

/** The `job.settle` type: touches only the job table, so it runs during upgrades and maintenance. */
export const settleJobType = declareJob<SettlePayload>({ name: JOB_NAMES.jobSettle, moodleChanging: false, touchesMoodle: false, maxAttempts: 50 })

/**
 * `job.settle`: settles a reporting job that has no callback to wait for (a failed preset export,
 * §6.8), once it has reached `reporting` (its worker records that after `run` returns).
 */
export function settleJobWithoutCallbackJob(deps: MoopanelJobDeps): JobDefinition<SettlePayload> {
  return settleJobType.define({
    async run({ payload, nowMs }) {
      const done = await settleJob(deps.store, payload.jobId, { nowMs: nowMs(), outcome: payload.outcome, summary: payload.summary })
      if (!done) throw new RetryableError('the job is not in reporting yet', 500)
      return { settled: true }
    },
  })
}

async function settleAsFailure(deps: MoopanelJobDeps, jobId: number, summary: string, nowMs: number) {
  const settle = settleJobType.request({ jobId, outcome: 'failure', summary })
  await enqueueJobs(deps.store, [settle], { nowMs, idempotencyKey: `settle:${jobId}`, windowS: 7 * 86_400 })
  return { status: false, summary }
}

function exportFailure(failure: HelperFailure): string {
  const reason = HELPER_REASONS[failure.error]
  return reason ? `Configuration export failed: ${reason}.` : PRESET_FAILURES.export
}

/** `timezone`, else Moodle's default zone, else the host's (undefined); an unknown zone counts as none. */
async function presetZone(deps: MoopanelJobDeps): Promise<string | undefined> {
  const zone = deps.presets?.timezone ?? (await readMoodleTimezone(deps.moodle))
  if (!zone) return undefined
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone })
    return zone
  } catch {
    return undefined
  }
}
