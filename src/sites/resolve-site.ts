import type { SiteEntry, SitesPlan } from './sites-file.ts'

/** What a request tells about where it was sent. */
export interface RequestTarget {
  /** The `Host` header (or `:authority`). */
  readonly host: string | undefined
  /** `X-Forwarded-Host`, to be used only when the peer is a trusted proxy. */
  readonly forwardedHost?: string | undefined
  readonly fromTrustedProxy: boolean
  /** The request path without the query string. */
  readonly path: string
}

export interface ResolvedSite {
  readonly site: SiteEntry
  /** The path below the site's prefix (`/` at least), for the site's own routes. */
  readonly path: string
}

/**
 * Routing table of a sites plan, built once per plan: by host, then the longest path prefix on
 * segment boundaries. A site without hosts answers on any host; a site with hosts wins over it.
 */
export class SiteResolver {
  private readonly byHost = new Map<string, SiteEntry[]>()
  private readonly anyHost: SiteEntry[] = []

  constructor(plan: SitesPlan) {
    for (const site of plan.sites) {
      if (site.hosts.length === 0) this.anyHost.push(site)
      for (const host of site.hosts) {
        let list = this.byHost.get(host)
        if (!list) this.byHost.set(host, (list = []))
        list.push(site)
      }
    }
    const longestFirst = (a: SiteEntry, b: SiteEntry) => (b.pathPrefix?.length ?? 0) - (a.pathPrefix?.length ?? 0)
    for (const list of this.byHost.values()) list.sort(longestFirst)
    this.anyHost.sort(longestFirst)
  }

  /** The site a request is for, or null (the caller answers 404 naming nothing about other sites). */
  resolve(target: RequestTarget): ResolvedSite | null {
    const header = target.fromTrustedProxy && target.forwardedHost ? firstValue(target.forwardedHost) : target.host
    const host = normaliseHost(header)
    const candidates = host === null ? [] : (this.byHost.get(host) ?? this.byHost.get(withoutPort(host)) ?? [])
    return matchPrefix(candidates, target.path) ?? matchPrefix(this.anyHost, target.path)
  }
}

function matchPrefix(sites: readonly SiteEntry[], path: string): ResolvedSite | null {
  for (const site of sites) {
    const prefix = site.pathPrefix
    if (prefix === null) return { site, path }
    if (path === prefix) return { site, path: '/' }
    if (path.startsWith(prefix) && path[prefix.length] === '/') return { site, path: path.slice(prefix.length) }
  }
  return null
}

/** `X-Forwarded-Host: a, b` lists proxies' views, the client's first. */
function firstValue(header: string): string {
  const comma = header.indexOf(',')
  return (comma === -1 ? header : header.slice(0, comma)).trim()
}

function normaliseHost(host: string | undefined): string | null {
  if (!host) return null
  const h = host.trim().toLowerCase().replace(/\.(?=:\d+$|$)/, '')
  return h === '' ? null : h
}

function withoutPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']')
    return end === -1 ? host : host.slice(0, end + 1)
  }
  const colon = host.lastIndexOf(':')
  return colon === -1 ? host : host.slice(0, colon)
}
