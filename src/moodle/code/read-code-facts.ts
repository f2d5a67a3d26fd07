import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { codeDirOf } from '../install-layout.ts'
import type { Moodle } from '../moodle.ts'
import { parseVersionPhp, type PluginVersionPhp } from '../php/parse-version-php.ts'
import { getDiskCatalog } from '../plugins/plugin-catalog.ts'
import { readCoreSettings } from '../site/read-settings.ts'

/** What a code change must know about the site (moopanel-api.md §5.5.4, §5.5.6, §5.8). */
export interface SiteCodeFacts {
  /** Moodle's `version` setting (the installed core version), as a number. */
  version: number
  /** The code's `$branch`, e.g. 405. */
  branch: number
  /** The code's maturity (200 stable); `--allow-unstable` below 200. */
  maturity: number
  /** `disableupdateautodeploy`: code deployment switched off by the administrator. */
  deployDisabled: boolean
  /** Plugin type → folder relative to the Moodle root (sub-plugin types included). */
  typeDirs: Map<string, string>
  /** Standard plugins per type (`lib/plugins.json`). */
  standard: Map<string, Set<string>>
}

/** Reads the facts from the database and the code tree, now (no reuse). */
export async function readSiteCodeFacts(moodle: Moodle): Promise<SiteCodeFacts> {
  const settings = await readCoreSettings(moodle, ['version', 'disableupdateautodeploy'])
  const core = parseVersionPhp(await readFile(join(moodle.dirroot, 'version.php'), 'utf8'), 'version.php').core
  const catalog = await getDiskCatalog(moodle, 'en')
  return {
    version: Number(settings.get('version') ?? core?.version ?? 0),
    branch: Number(core?.branch ?? 0),
    maturity: core?.maturity ?? 200,
    deployDisabled: ['1', 'true'].includes((settings.get('disableupdateautodeploy') ?? '').trim()),
    typeDirs: new Map(catalog.scan.types.map((t) => [t.type, t.dir])),
    standard: catalog.scan.typeMap.standard,
  }
}

/** A version.php's plugin facts, parsed as text (never executed; moopanel-api.md §5.5.3). */
export function readPluginVersionFacts(source: string): PluginVersionPhp {
  const plugin = parseVersionPhp(source, 'version.php').plugin
  if (!plugin) throw new Error('version.php declares no $plugin')
  return plugin
}

/**
 * The core facts of a code tree's version.php (a staged core package: `version.php` at its top, or
 * `public/version.php` from 5.1 on), or null when unreadable.
 */
export async function readCoreVersionFile(root: string): Promise<{ version: number; versionText: string; maturity: number; release: string | null } | null> {
  try {
    const core = parseVersionPhp(await readFile(join(codeDirOf(root), 'version.php'), 'utf8'), 'version.php').core
    return core ? { version: core.version, versionText: core.versionText, maturity: core.maturity ?? 200, release: core.release ?? null } : null
  } catch {
    return null
  }
}
