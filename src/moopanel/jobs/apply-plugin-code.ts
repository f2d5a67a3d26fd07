import { spawn } from 'node:child_process'
import { join } from 'node:path'
import type { JobContext } from '../../jobs/index.ts'
import {
  compareVersions,
  forgetPluginState, readInstalledVersion, restorePluginFolder, runUpgrade, swapInPluginFolder, type PluginSwap,
} from '../../moodle/index.ts'
import { crashPoint } from '../../shared/crash-point.ts'
import type { MoopanelJobDeps } from './job-deps.ts'

/** What happened to one plugin (moopanel-api.md §5.6 rules 10–12, §5.7 rules 6–7). */
export interface PluginCodeOutcome {
  status: boolean
  error: string | null
  /** Rule 12: the database moved on but the upgrade failed; the remaining items are skipped. */
  manual: boolean
}

export const RESTORED_MESSAGE = 'Upgrade failed; previous version restored.'
export const MANUAL_MESSAGE = 'Upgrade failed; manual intervention required.'
export const SKIPPED_MESSAGE = 'Skipped: site needs manual intervention.'

/** The journal entry of one plugin's swap; `before` is the database version before any change. */
interface SwapJournal {
  phase: 'swapping' | 'swapped' | 'restoring' | 'done'
  before: string | null
  /** Whether an old folder was moved aside (known once swapped). */
  hadOld?: boolean
  outcome?: PluginCodeOutcome
}

/**
 * Swaps a staged plugin folder into the Moodle root, runs Moodle's upgrade and judges it from the
 * database (§5.5.5, §5.5.6): success when the component's version equals `expectedVersion`; when
 * the upgrade fails with the version unchanged the old folder is restored, otherwise the new code
 * stays (old code under a newer schema would block Moodle). Every phase is journalled before it
 * starts, so an attempt that died resumes here: an interrupted swap is completed, an interrupted
 * upgrade is run again, and rules 10–12 are applied to its result.
 */
export async function applyPluginCode(
  deps: MoopanelJobDeps,
  ctx: Pick<JobContext<unknown>, 'journal' | 'signal' | 'log' | 'job'>,
  item: { key: string; component: string; targetDir: string; stagedDir: string; expectedVersion: string; allowUnstable: boolean },
): Promise<PluginCodeOutcome> {
  const step = `code:${item.key}`
  const recorded = ctx.journal.get<SwapJournal>(step)
  if (recorded?.phase === 'done' && recorded.outcome) return recorded.outcome
  const swap: PluginSwap = {
    targetDir: item.targetDir,
    stagedDir: item.stagedDir,
    rollbackDir: join(deps.code.stagingDir, 'rollback', String(ctx.job.id), item.component),
  }
  const before = recorded ? recorded.before : await readInstalledVersion(deps.moodle, item.component)
  if (recorded?.phase === 'restoring') return restore(deps, ctx, step, swap, before, recorded.hadOld === true, RESTORED_MESSAGE)
  if (!recorded) await ctx.journal.record(step, { phase: 'swapping', before } satisfies SwapJournal)
  let hadOld = recorded?.hadOld === true
  if (recorded?.phase !== 'swapped') {
    hadOld = (await swapInPluginFolder(deps.moodle, swap)).hadOld
    await ctx.journal.record(step, { phase: 'swapped', before, hadOld } satisfies SwapJournal)
    await runPostChangeCommand(deps)
  }
  forgetPluginState(deps.moodle)
  crashPoint('plugin-after-swap')
  const upgrade = await runUpgrade(deps.moodle, { phpBinary: deps.code.phpBinary, allowUnstable: item.allowUnstable, signal: ctx.signal })
  ctx.log.info({ component: item.component, exitCode: upgrade.exitCode, output: upgrade.stdout.slice(-4000), errors: upgrade.stderr.slice(-4000) }, 'upgrade')
  const after = await readInstalledVersion(deps.moodle, item.component)
  let outcome: PluginCodeOutcome
  if (upgrade.exitCode === 0 && sameVersion(after, item.expectedVersion)) {
    outcome = { status: true, error: null, manual: false }
  } else if (sameVersion(after, before)) {
    return restore(deps, ctx, step, swap, before, hadOld, withDetail(RESTORED_MESSAGE, upgrade))
  } else {
    outcome = { status: false, error: withDetail(MANUAL_MESSAGE, upgrade), manual: true }
  }
  forgetPluginState(deps.moodle)
  await ctx.journal.record(step, { phase: 'done', before, outcome } satisfies SwapJournal)
  return outcome
}

/** Puts the old folder back (journalled first, so a resumed job finishes it) and records the outcome. */
async function restore(
  deps: MoopanelJobDeps,
  ctx: Pick<JobContext<unknown>, 'journal'>,
  step: string,
  swap: PluginSwap,
  before: string | null,
  hadOld: boolean,
  error: string,
): Promise<PluginCodeOutcome> {
  await ctx.journal.record(step, { phase: 'restoring', before, hadOld } satisfies SwapJournal)
  await restorePluginFolder(deps.moodle, swap, hadOld)
  await runPostChangeCommand(deps)
  forgetPluginState(deps.moodle)
  const outcome: PluginCodeOutcome = { status: false, error, manual: false }
  await ctx.journal.record(step, { phase: 'done', before, hadOld, outcome } satisfies SwapJournal)
  return outcome
}

/** Two version strings (or both absent) denote the same number. */
export function sameVersion(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b
  return compareVersions(a, b) === 0
}

/** `<message>: <last error line of the script>`; the callback cuts it to 255 characters. */
function withDetail(message: string, result: { stderr: string; stdout: string; timedOut: boolean; exitCode: number | null }): string {
  if (result.timedOut) return `${message}: upgrade timed out`
  const last = (result.stderr.trim() || result.stdout.trim()).split('\n').pop()?.trim()
  return last ? `${message}: ${last}` : message
}

/** The operator's `post_code_change_command` (e.g. an opcache reset), through the shell, at most 2 minutes. */
export function runPostChangeCommand(deps: MoopanelJobDeps): Promise<number | null> {
  const command = deps.code.postChangeCommand
  if (!command) return Promise.resolve(0)
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: 'ignore' })
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
    child.on('error', () => {
      clearTimeout(timer)
      resolve(null)
    })
  })
}
