import type { Config } from '../config/index.ts'
import { readSitesFile, type SiteEntry, type SitesPlan } from '../sites/index.ts'
import { UsageError } from './common.ts'

// The CLI's one entry into src/sites (the architecture test's ALLOWED list needs cli → sites).
export type { SiteEntry } from '../sites/index.ts'

/** Flags of the commands that act on one site of a sites file. */
export interface SiteFlags {
  /** `--site ID`: required with a sites file, refused without one. */
  site?: string
}

/** The sites of the configured sites file; a usage error when none is configured. */
export async function sitesPlanOf(config: Config, what: string): Promise<SitesPlan> {
  if (!config.sites) throw new UsageError(`${what} needs a sites file (--sites FILE, option sites / MOODLE_BRIDGE_SITES): no sites file is configured`)
  return (await readSitesFile(config.sites, config)).plan
}

/**
 * The site a command acts on: null in single-site mode (no sites file; `--site` is then refused);
 * with a sites file, the entry `--site` names (required). Unknown or missing ids are usage errors
 * (exit 2) naming the ids of the file, never an option value.
 */
export async function chooseSite(config: Config, flags: SiteFlags, command: string): Promise<SiteEntry | null> {
  if (!config.sites) {
    if (flags.site !== undefined) throw new UsageError(`--site needs a sites file (option sites / MOODLE_BRIDGE_SITES): no sites file is configured`)
    return null
  }
  const plan = (await readSitesFile(config.sites, config)).plan
  if (flags.site === undefined) throw new UsageError(`a sites file is configured: ${command} needs --site ID (${knownIds(plan)})`)
  return findSite(plan, flags.site)
}

/** The entry of `id`, or a usage error naming the known ids. */
export function findSite(plan: SitesPlan, id: string): SiteEntry {
  const site = plan.sites.find((s) => s.id === id)
  if (!site) {
    const shown = id.length > 64 ? `${id.slice(0, 63)}…` : id
    throw new UsageError(`unknown site ${JSON.stringify(shown)}: the sites file has no such id (${knownIds(plan)})`)
  }
  return site
}

/** `sites: a, b, c` (at most 20 ids, then how many more). */
function knownIds(plan: SitesPlan): string {
  const ids = plan.sites.map((s) => s.id)
  const shown = ids.slice(0, 20).join(', ')
  return `sites: ${shown}${ids.length > 20 ? ` and ${ids.length - 20} more` : ''}`
}
