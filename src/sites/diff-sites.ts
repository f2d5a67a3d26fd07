import { isDeepStrictEqual } from 'node:util'
import type { SiteEntry, SitesPlan } from './sites-file.ts'

/** What changes between two plans, by site id: the caller opens, reopens and closes sites accordingly. */
export interface SitesChange {
  readonly added: readonly SiteEntry[]
  readonly removed: readonly SiteEntry[]
  /** Same id, another configuration, directory or route. */
  readonly changed: readonly { readonly before: SiteEntry; readonly after: SiteEntry }[]
  readonly unchanged: readonly SiteEntry[]
}

export function diffSites(before: SitesPlan, after: SitesPlan): SitesChange {
  const old = new Map(before.sites.map((s) => [s.id, s]))
  const added: SiteEntry[] = []
  const changed: { before: SiteEntry; after: SiteEntry }[] = []
  const unchanged: SiteEntry[] = []
  for (const site of after.sites) {
    const previous = old.get(site.id)
    old.delete(site.id)
    if (!previous) added.push(site)
    else if (isDeepStrictEqual(previous, site)) unchanged.push(previous)
    else changed.push({ before: previous, after: site })
  }
  return { added, removed: [...old.values()], changed, unchanged }
}
