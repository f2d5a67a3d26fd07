/**
 * Finds the route of a request in the route table (steps 9 and 10 of moopanel-api.md §3.3).
 *
 * This is a small matcher over the table rather than Fastify's router, because the contract's
 * routing cannot be expressed byte-identically as find-my-way routes: the API lives under ANY
 * prefix (`/<anything>/local/moopanel/server.php/…`, at the first run of those three segments),
 * segments are percent-decoded before matching (`/%75sers` is `users`, `users%2Fcount` is not),
 * runs of `/` collapse, and authentication (and its 401/403/423/429 answers) must come before the
 * 404 and 405 decisions that a router would make first. Rewriting URLs for Fastify would need the
 * server-wide `rewriteUrl` option, which belongs to the server, not to this plugin.
 */
import type { Route, RouteMethod } from './route-types.ts'
import { ROUTE_METHODS } from './route-types.ts'
import { assertCheckOrder } from './error-mapper.ts'
import { DOCUMENT_ROUTES } from './openapi/moopanel-openapi.ts'
import { ROUTES } from './route-table.ts'

/** Every route served: the API of §4 and its OpenAPI document (§7.1). */
export const SERVED_ROUTES: readonly Route[] = [...ROUTES, ...DOCUMENT_ROUTES]
assertCheckOrder(SERVED_ROUTES)

/** Routes per endpoint name, in table order (a Map: `constructor` or `__proto__` are unknown names). */
const BY_ENDPOINT = new Map<string, Route[]>()
for (const route of SERVED_ROUTES) {
  const list = BY_ENDPOINT.get(route.endpoint) ?? []
  list.push(route)
  BY_ENDPOINT.set(route.endpoint, list)
}

/** The `Allow` value per endpoint: its methods in the order of §3.2. */
const ALLOW = new Map([...BY_ENDPOINT].map(([name, routes]) => [name, ROUTE_METHODS.filter((m) => routes.some((r) => r.method === m))]))

export type Resolved =
  | { kind: 'unknown'; name: string }
  | { kind: 'method'; allow: readonly string[] }
  | { kind: 'route'; route: Route }

/**
 * Unknown endpoint, or one where no route names this sub-path (only `tasks`, whose routes all need
 * theirs: the 404 then names `tasks/<sub-path>`), then the method, then the route of that method
 * for this exact sub-path or for any sub-path.
 */
export function resolveRoute(endpoint: string, subPath: string, method: string): Resolved {
  const routes = BY_ENDPOINT.get(endpoint)
  if (!routes) return { kind: 'unknown', name: endpoint }
  if (!routes.some((r) => r.subPath === '*' || r.subPath === subPath)) {
    return { kind: 'unknown', name: subPath === '' ? endpoint : `${endpoint}/${subPath}` }
  }
  const allow = ALLOW.get(endpoint)!
  const route =
    routes.find((r) => r.method === method && r.subPath === subPath) ?? routes.find((r) => r.method === method && r.subPath === '*')
  return route ? { kind: 'route', route } : { kind: 'method', allow }
}

/** True when GET requests to this endpoint change state (asynchronous GET: `admin_presets`), so they are audited. */
export function isAuditedGet(endpoint: string): boolean {
  return BY_ENDPOINT.get(endpoint)?.some((r) => r.method === 'GET' && r.async === true) ?? false
}

/** Endpoint names as metric labels: known names or `unknown`. */
export function endpointLabel(name: string): string {
  return BY_ENDPOINT.has(name) ? name : 'unknown'
}

export type { RouteMethod }
