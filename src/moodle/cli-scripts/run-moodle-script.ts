import { join } from 'node:path'
import type { Moodle } from '../moodle.ts'
import { spawnPhp, type ScriptOptions, type ScriptResult } from './spawn-php.ts'

export type { ScriptOptions, ScriptResult } from './spawn-php.ts'

/** Moodle's stock CLI scripts the service may drive (moodle.md §9), by file name. */
export type MoodleScript = 'upgrade' | 'maintenance' | 'purge_caches' | 'backup' | 'uninstall_plugins' | 'cfg' | 'restore_backup'

/**
 * Runs `<dirroot>/<admin>/cli/<script>.php` with the site's PHP CLI, in the Moodle root, as the
 * site's OS user when asked (Moodle requires files in the dataroot to belong to that user), in its
 * own process group so that a timeout stops PHP and anything it started. Never uses a shell.
 */
export async function runMoodleScript(moodle: Moodle, script: MoodleScript, options: ScriptOptions): Promise<ScriptResult> {
  return spawnPhp(moodle, join(moodle.dirroot, moodle.admin, 'cli', `${script}.php`), options)
}
