import { mkdir, rename, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { existsSync } from 'node:fs'
import { detectInstallLayout } from '../install-layout.ts'
import type { Moodle } from '../moodle.ts'
import { forgetRechecked } from '../recheck.ts'
import { invalidateDiskCatalog } from './plugin-catalog.ts'

/** The installed version of a plugin, read now (no reuse), or null when it is not installed. */
export async function readInstalledVersion(moodle: Moodle, component: string): Promise<string | null> {
  const row = await moodle.db
    .selectFrom('mdl_config_plugins')
    .select('value')
    .where('plugin', '=', component)
    .where('name', '=', 'version')
    .executeTakeFirst()
  return row?.value ?? null
}

/** `code_staging_dir`'s default: `.moodle-bridge` beside the installation root (same filesystem, outside it). */
export function defaultStagingDir(moodle: Pick<Moodle, 'root'>): string {
  return join(dirname(moodle.root), '.moodle-bridge')
}

/**
 * Moves a plugin's code folder out of the Moodle root into `<staging>/rollback/<job>/<component>`
 * (one atomic rename; kept for `rollback_retention_days`). False when there was no folder.
 */
export async function movePluginToRollback(
  moodle: Moodle,
  pluginDir: string,
  options: { stagingDir: string; jobId: number; component: string },
): Promise<boolean> {
  const from = join(moodle.dirroot, pluginDir)
  if (!(await stat(from).then((s) => s.isDirectory(), () => false))) return false
  const target = join(options.stagingDir, 'rollback', String(options.jobId), options.component)
  await mkdir(dirname(target), { recursive: true })
  await rename(from, target)
  return true
}

/**
 * Forgets everything read about plugins, after the service itself changed code or plugin state;
 * the layout is detected again from the root (a core update may move a classic site to `public/`).
 */
export function forgetPluginState(moodle: Moodle): void {
  const paths = detectInstallLayout(moodle.root)
  if (moodle.layout !== paths.layout && existsSync(join(paths.dirroot, 'version.php'))) {
    moodle.layout = paths.layout
    moodle.dirroot = paths.dirroot
  }
  invalidateDiskCatalog(moodle)
  forgetRechecked(moodle)
}
