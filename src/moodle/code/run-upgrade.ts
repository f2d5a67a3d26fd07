import type { Moodle } from '../moodle.ts'
import { runMoodleScript, type ScriptResult } from '../cli-scripts/run-moodle-script.ts'

/** Moodle's upgrade may take this long (moopanel-api.md §5.4: 2 h). */
export const UPGRADE_TIMEOUT_MS = 2 * 3_600_000

/**
 * `admin/cli/upgrade.php --non-interactive` (moopanel-api.md §5.5.6), with `--allow-unstable` when
 * the code's maturity is below stable. It upgrades everything pending on the site. Exit status 0
 * means success.
 */
export function runUpgrade(
  moodle: Moodle,
  options: { phpBinary: string; allowUnstable: boolean; signal?: AbortSignal; onLine?: (stream: 'stdout' | 'stderr', line: string) => void },
): Promise<ScriptResult> {
  return runMoodleScript(moodle, 'upgrade', {
    phpBinary: options.phpBinary,
    args: ['--non-interactive', ...(options.allowUnstable ? ['--allow-unstable'] : [])],
    timeoutMs: UPGRADE_TIMEOUT_MS,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onLine ? { onLine: options.onLine } : {}),
  })
}

/** Switches Moodle's CLI maintenance mode on or off (`admin/cli/maintenance.php`; exits 0 whatever happens). */
export function setCliMaintenance(moodle: Moodle, on: boolean, options: { phpBinary: string; signal?: AbortSignal }): Promise<ScriptResult> {
  return runMoodleScript(moodle, 'maintenance', {
    phpBinary: options.phpBinary,
    args: [on ? '--enable' : '--disable'],
    timeoutMs: 600_000,
    ...(options.signal ? { signal: options.signal } : {}),
  })
}
