import { resolve } from 'node:path'
import type { Moodle } from '../moodle.ts'
import { readCoreSettings } from '../site/read-settings.ts'
import { spawnPhp, type ScriptOptions, type ScriptResult } from './spawn-php.ts'

/**
 * The service's own PHP helpers (`php-helpers/` at the repository root, described in its
 * README.md), for what Moodle has no CLI script for (moodle.md §9.14).
 */
export type PhpHelper = 'restore_course' | 'export_admin_settings' | 'refresh_update_info'

/** Where the helpers are shipped: `php-helpers/` beside `src/`. */
export const PHP_HELPERS_DIR = resolve(import.meta.dirname, '..', '..', '..', 'php-helpers')

/** How to run a helper: the PHP CLI, limits and identity; the helper's own options are set by the wrappers. */
export type HelperRunOptions = Omit<ScriptOptions, 'args'>

/** A helper's failure: its result code (or `no_result` / `timeout` when it gave none) and a short text. */
export interface HelperFailure {
  ok: false
  error: string
  message: string
  exitCode: number | null
}

/** The raw run of a helper and the JSON object of its last output line (null when there is none). */
export interface HelperRun {
  script: ScriptResult
  result: Record<string, unknown> | null
}

/**
 * Runs `<php> php-helpers/<helper>.php --moodle-dir=<dirroot> <args>` like a Moodle CLI script
 * (Moodle root as working directory, own process group, no shell) and reads its result: the last
 * stdout line that is a JSON object (helper output protocol, php-helpers/README.md).
 */
export async function runPhpHelper(moodle: Moodle, helper: PhpHelper, args: readonly string[], options: HelperRunOptions): Promise<HelperRun> {
  const script = await spawnPhp(moodle, resolve(PHP_HELPERS_DIR, `${helper}.php`), {
    ...options,
    args: [`--moodle-dir=${moodle.dirroot}`, ...args],
  })
  return { script, result: lastJsonObject(script.stdout) }
}

/** Characters of the export's output kept (its result line); larger exports fail as `no_result`. */
const EXPORT_OUTPUT_LIMIT = 48 * 1024 * 1024

/** Options of `restoreCourseBackup`. */
export interface RestoreCourseOptions extends HelperRunOptions {
  courseId: number
  /** The `.mbz` file (tar.gz or ZIP). */
  mbzFile: string
}

/**
 * Restores a course backup into an existing course, deleting its content first (Moodle's
 * `TARGET_EXISTING_DELETING`), as the primary administrator with the site's default restore
 * settings. Failure codes: `file_not_found`, `course_not_found`, `extract_failed`,
 * `unsupported_format`, `not_course_backup`, `precheck_failed`, `restore_failed`,
 * `upgrade_pending`, `no_admin`, `no_result`, `timeout`.
 */
export async function restoreCourseBackup(moodle: Moodle, options: RestoreCourseOptions): Promise<{ ok: true; warnings: string[] } | HelperFailure> {
  const { courseId, mbzFile, ...run } = options
  const outcome = await runPhpHelper(moodle, 'restore_course', [`--courseid=${courseId}`, `--file=${mbzFile}`], run)
  const failure = failureOf(outcome)
  if (failure) return failure
  const warnings = outcome.result!['warnings']
  return { ok: true, warnings: Array.isArray(warnings) ? warnings.map(String) : [] }
}

/** One setting as Moodle's admin-preset export collects it (`plugin` is `none` for core). */
export interface AdminSetting {
  plugin: string
  name: string
  value: string | null
  /** Companion settings (`<name>_adv`, `<name>_locked`, …) → value. */
  attributes: Record<string, string | null>
}

/** The site configuration as the admin-preset export sees it (moodle.md §10). */
export interface AdminSettingsExport {
  settings: AdminSetting[]
  frontpage: { fullname: string; shortname: string; summary: string | null }
  /** Plugin type → plugin name → the state Moodle's export records (`1`, `0`; filters `-9999`/`-1`/`1`). */
  plugins: Record<string, Record<string, string>>
  /** `adminpresets/sensiblesettings`: `name@@plugin` entries Moodle leaves out of exports by default. */
  sensibleSettings: string[]
}

/**
 * The admin-tree settings with their values and attributes, the front page's names, every
 * present plugin's enabled state and Moodle's list of sensitive settings. Nothing is filtered and
 * nothing is written (Moodle's admin-preset tables stay unchanged). Failure codes: `unsupported`
 * (before Moodle 4.1), `export_failed`, `upgrade_pending`, `no_admin`, `no_result`, `timeout`.
 */
export async function exportAdminSettings(moodle: Moodle, options: HelperRunOptions): Promise<{ ok: true; value: AdminSettingsExport } | HelperFailure> {
  // The whole site configuration is one JSON line: keep enough of it for a preset of 10 MiB and more.
  const outcome = await runPhpHelper(moodle, 'export_admin_settings', [], { outputLimit: EXPORT_OUTPUT_LIMIT, ...options })
  const failure = failureOf(outcome)
  if (failure) return failure
  const value = adminSettingsOf(outcome.result!)
  if (!value) return { ok: false, error: 'no_result', message: 'The helper answered in an unexpected shape.', exitCode: outcome.script.exitCode }
  return { ok: true, value }
}

/**
 * Runs Moodle's update checker now (`\core\update\checker::fetch()`), which stores `recentfetch`
 * and `recentresponse` of `core_plugin` as Moodle's scheduled task does. Failure codes:
 * `disabled`, `fetch_failed`, `upgrade_pending`, `no_admin`, `no_result`, `timeout`.
 */
export async function refreshUpdateInfo(moodle: Moodle, options: HelperRunOptions): Promise<{ ok: true; fetchedAt: Date | null } | HelperFailure> {
  const outcome = await runPhpHelper(moodle, 'refresh_update_info', [], options)
  const failure = failureOf(outcome)
  if (failure) return failure
  const fetched = outcome.result!['recentfetch']
  return { ok: true, fetchedAt: typeof fetched === 'number' ? new Date(fetched * 1000) : null }
}

/** Moodle 4.1 (2022112800) introduced the admin-preset subsystem that the export needs. */
const ADMIN_PRESETS_SINCE = 2022112800

/** Whether the site's Moodle has admin presets (4.1 or later), from its `version` setting. */
export async function moodleHasAdminPresets(moodle: Moodle): Promise<boolean> {
  const version = Number((await readCoreSettings(moodle, ['version'])).get('version') ?? 0)
  return version >= ADMIN_PRESETS_SINCE
}

function failureOf(run: HelperRun): HelperFailure | null {
  const { script, result } = run
  if (script.timedOut) return { ok: false, error: 'timeout', message: 'The helper ran out of time.', exitCode: script.exitCode }
  if (result && result['ok'] === true && script.exitCode === 0) return null
  if (result && result['ok'] === false) {
    return {
      ok: false,
      error: typeof result['error'] === 'string' ? result['error'] : 'failed',
      message: typeof result['message'] === 'string' ? result['message'] : '',
      exitCode: script.exitCode,
    }
  }
  // No result line: PHP or Moodle stopped first (Moodle prints "!!! … !!!" on stdout).
  const bang = /!!!\s*(.*?)\s*!!!/.exec(script.stdout)?.[1]
  return { ok: false, error: 'no_result', message: (bang ?? `exit code ${script.exitCode ?? script.killedBy}`).slice(0, 200), exitCode: script.exitCode }
}

/** The last line of `stdout` that is a JSON object (and that `accept` takes), or null. */
export function lastJsonObject(stdout: string, accept: (value: Record<string, unknown>) => boolean = () => true): Record<string, unknown> | null {
  const lines = stdout.split('\n')
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim()
    if (!line.startsWith('{')) continue
    try {
      const value: unknown = JSON.parse(line)
      if (value !== null && typeof value === 'object' && !Array.isArray(value) && accept(value as Record<string, unknown>)) return value as Record<string, unknown>
    } catch {
      // not the result line
    }
  }
  return null
}

function adminSettingsOf(result: Record<string, unknown>): AdminSettingsExport | null {
  const { settings, frontpage, plugins, sensiblesettings } = result
  if (!Array.isArray(settings) || !isRecord(frontpage) || !isRecord(plugins)) return null
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v))
  const out: AdminSettingsExport = {
    settings: [],
    frontpage: { fullname: String(frontpage['fullname'] ?? ''), shortname: String(frontpage['shortname'] ?? ''), summary: text(frontpage['summary']) },
    plugins: {},
    sensibleSettings: Array.isArray(sensiblesettings) ? sensiblesettings.map(String) : [],
  }
  for (const s of settings) {
    if (!isRecord(s) || typeof s['plugin'] !== 'string' || typeof s['name'] !== 'string') return null
    const attributes: Record<string, string | null> = {}
    if (isRecord(s['attributes'])) for (const [k, v] of Object.entries(s['attributes'])) attributes[k] = text(v)
    out.settings.push({ plugin: s['plugin'], name: s['name'], value: text(s['value']), attributes })
  }
  for (const [type, states] of Object.entries(plugins)) {
    if (!isRecord(states)) return null
    out.plugins[type] = Object.fromEntries(Object.entries(states).map(([name, v]) => [name, String(v ?? '0')]))
  }
  return out
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
