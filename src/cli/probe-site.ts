import type { Config } from '../config/index.ts'
import { openMoodle, readCoreSettings, readCoreVersionFile, type Moodle } from '../moodle/index.ts'
import { moodleOverridesOf } from './common.ts'

/** What `sites list` learns of one site: whether config.php, version.php and the database answer. */
export interface SiteProbe {
  state: 'ok' | 'broken'
  /** `$release` and `$version`: the database's (what the site runs), else version.php's. */
  release: string | null
  version: string | null
  /** Why the site is broken, in one line without secrets; null when ok. */
  error: string | null
}

/**
 * Probes a site with its configuration: reads config.php (with the site's options over it),
 * version.php, and the version in its database, within `timeoutMs`. Never throws.
 */
export async function probeSite(config: Config, timeoutMs: number): Promise<SiteProbe> {
  let moodle: Moodle | undefined
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<SiteProbe>((res) => {
    timer = setTimeout(() => res(broken(`no answer within ${timeoutMs / 1000} s (database or file system)`)), timeoutMs)
  })
  const probe = (async (): Promise<SiteProbe> => {
    try {
      moodle = await openMoodle({ dirroot: config.moodle_dir!, overrides: moodleOverridesOf(config), poolSize: 1 })
    } catch (error) {
      return broken(`config.php: ${oneLine(error, config)}`)
    }
    const code = await readCoreVersionFile(moodle.root)
    let settings: Map<string, string>
    try {
      settings = await readCoreSettings(moodle, ['version', 'release'])
    } catch (error) {
      return broken(`database: ${oneLine(error, config)}`, code)
    }
    if (!code) return broken(`version.php: not found or sets no $version in ${moodle.dirroot}`)
    const version = settings.get('version') ?? null
    if (version === null) return broken('database: no version in the config table (installation not finished, or another database/prefix)', code)
    return { state: 'ok', release: settings.get('release') ?? code.release, version, error: null }
  })()
  try {
    return await Promise.race([probe, late])
  } finally {
    clearTimeout(timer)
    // A probe that timed out closes its pool when it ends; one that answered closes it now.
    void probe.finally(() => moodle?.close().catch(() => undefined))
  }
}

function broken(error: string, code?: { versionText: string; release: string | null } | null): SiteProbe {
  return { state: 'broken', release: code?.release ?? null, version: code?.versionText ?? null, error }
}

/** An error as one line of at most 200 characters, with the site's password and key never in it. */
export function oneLine(error: unknown, config: Config): string {
  const e = error as { code?: unknown; message?: unknown }
  let text = [typeof e?.code === 'string' ? e.code : '', typeof e?.message === 'string' ? e.message : String(error)].filter(Boolean).join(': ')
  for (const secret of [config.db_pass, config.api_key]) if (secret) text = text.split(secret).join('***')
  text = text.replace(/\s+/g, ' ').replace(/(password|pass|pwd)=\S+/gi, '$1=***').replace(/:\/\/([^:/@\s]+):[^@\s]+@/g, '://$1:***@').trim()
  return text.length > 200 ? `${text.slice(0, 199)}…` : text || 'failed'
}
