import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { detectInstallLayout } from '../install-layout.ts'
import type { Moodle } from '../moodle.ts'
import { readConfigPhp } from '../php/read-config-php.ts'
import { readPluginSettings } from '../site/read-settings.ts'

/** The raw values of the MIDDAG switches (items-api.md §2.2) from `local_middag`'s plugin settings. */
export async function readMiddagSwitches(moodle: Moodle): Promise<{ enabled: string | undefined; openapiPublic: string | undefined }> {
  const settings = await readPluginSettings(moodle, 'local_middag')
  return { enabled: settings.get('mdg_core_api_enabled'), openapiPublic: settings.get('mdg_core_api_openapi_public') }
}

/** True while Moodle's CLI maintenance file `<dataroot>/climaintenance.html` exists (§5.6). */
export function isCliMaintenance(dataroot: string | undefined): boolean {
  return dataroot !== undefined && existsSync(join(dataroot, 'climaintenance.html'))
}

/** `$CFG->wwwroot` of an install (its root or `public/`) without connecting to its database (the `openapi` command). */
export async function readSiteWwwroot(dir: string): Promise<string | undefined> {
  const { root } = detectInstallLayout(dir)
  if (!existsSync(join(root, 'config.php'))) return undefined
  const file = await readConfigPhp(root)
  return file.wwwroot?.replace(/\/+$/, '')
}
