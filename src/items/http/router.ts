import { MAX_ID } from '../item-types/core-fields.ts'
import type { ExtensionRoute } from '../extensions/extension-routes.ts'

/** The built-in routes of the API namespace (§1.2) plus the docs page. */
export type BuiltinRoute = 'items' | 'item' | 'metadata' | 'openapi.json' | 'openapi.yaml' | 'docs' | 'docs-asset'

export type RouteMatch =
  | { kind: 'builtin'; route: BuiltinRoute; methods: string[]; id?: number; asset?: string }
  | { kind: 'extension'; routes: Array<{ route: ExtensionRoute; params: Record<string, string> }>; methods: string[] }

const ID = /^[1-9][0-9]{0,15}$/
const ASSET = /^[A-Za-z0-9._-]+$/

const withHead = (methods: string[]) => {
  const out = new Set(methods)
  if (out.has('GET')) out.add('HEAD')
  out.add('OPTIONS')
  const order = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']
  return order.filter((m) => out.has(m))
}

/**
 * Matches a path relative to the mount path (`/api/...`, one trailing slash ignored). Returns null
 * for unknown paths; ids outside `^[1-9][0-9]{0,15}$` or the safe range do not match (§4.2).
 */
export function matchRoute(path: string, extensionRoutes: readonly ExtensionRoute[]): RouteMatch | null {
  const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path
  if (p === '/api/openapi.json') return { kind: 'builtin', route: 'openapi.json', methods: withHead(['GET']) }
  if (p === '/api/openapi.yaml') return { kind: 'builtin', route: 'openapi.yaml', methods: withHead(['GET']) }
  if (p === '/api/docs') return { kind: 'builtin', route: 'docs', methods: withHead(['GET']) }
  if (p.startsWith('/api/docs/')) {
    const asset = p.slice('/api/docs/'.length)
    return ASSET.test(asset) ? { kind: 'builtin', route: 'docs-asset', methods: withHead(['GET']), asset } : null
  }
  if (!p.startsWith('/api/v1/')) return null
  const segments = p.slice('/api/v1/'.length).split('/')
  if (segments[0] === 'items') {
    if (segments.length === 1) return { kind: 'builtin', route: 'items', methods: withHead(['GET', 'POST']) }
    const idText = segments[1]!
    if (!ID.test(idText) || Number(idText) > MAX_ID) return null
    const id = Number(idText)
    if (segments.length === 2) return { kind: 'builtin', route: 'item', id, methods: withHead(['GET', 'PUT', 'PATCH', 'DELETE']) }
    if (segments.length === 3 && segments[2] === 'metadata') return { kind: 'builtin', route: 'metadata', id, methods: withHead(['GET']) }
    return null
  }
  const matches: Array<{ route: ExtensionRoute; params: Record<string, string> }> = []
  for (const r of extensionRoutes) {
    if (r.segments.length !== segments.length) continue
    const found: Record<string, string> = {}
    const ok = r.segments.every((s, i) => {
      const seg = segments[i]!
      if ('literal' in s) return s.literal === seg
      if (seg === '') return false
      try {
        found[s.param] = decodeURIComponent(seg)
      } catch {
        return false
      }
      return true
    })
    if (ok) matches.push({ route: r, params: found })
  }
  if (matches.length === 0) return null
  return { kind: 'extension', routes: matches, methods: withHead(matches.map((m) => m.route.method)) }
}
