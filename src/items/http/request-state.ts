import type { FastifyRequest } from 'fastify'
import type { ItemsApiError } from '../errors.ts'
import type { Caller } from '../operations/items-core.ts'
import type { AuthenticatedUser } from '../public-api.ts'

/** What the hook chain learns about one request on its way to the handler (§3). */
export interface ItemsRequestState {
  /** `Content-Type` as sent; removed from the headers so Fastify does not judge it (§4.1 is ours). */
  contentType: string | undefined
  /** The query string as name → every value, repeats kept (§4.1). */
  query: Map<string, string[]>
  /** `X-RateLimit-*` of the budgets counted so far: every outcome carries them (§4.8). */
  rateHeaders: Record<string, string>
  /** `mdg_core_api_openapi_public` as read by the gate (§2.2). */
  openapiPublic: boolean
  clientIp: string
  /** Path parameters as the route's segment rules matched them. */
  params: Record<string, string>
  caller: Caller | null
  /** Why the body was refused (413, 400), thrown by the preValidation hook. */
  bodyError?: ItemsApiError
  user: AuthenticatedUser | null
}

const STATE = Symbol('items-request-state')

/** Attaches a fresh state to the request (the first hook of the chain). */
export function startState(request: FastifyRequest, state: ItemsRequestState): ItemsRequestState {
  ;(request as unknown as Record<symbol, ItemsRequestState>)[STATE] = state
  return state
}

/** The request's state; null when the request failed before the chain started it. */
export function stateOf(request: FastifyRequest): ItemsRequestState | null {
  return (request as unknown as Record<symbol, ItemsRequestState | undefined>)[STATE] ?? null
}

/** The path under the mount path, query string cut, still percent-encoded: `/api/v1/items/5`. */
export function apiPathOf(request: FastifyRequest, mountPath: string): string {
  const rawUrl = request.raw.url ?? '/'
  const q = rawUrl.indexOf('?')
  return (q === -1 ? rawUrl : rawUrl.slice(0, q)).slice(mountPath.length)
}

/** The query string as name → every value (repeats kept, §4.1). */
export function parseQuery(rawUrl: string): Map<string, string[]> {
  const q = rawUrl.indexOf('?')
  const out = new Map<string, string[]>()
  const text = q === -1 ? '' : rawUrl.slice(q + 1)
  if (text === '') return out
  for (const [k, v] of new URLSearchParams(text)) {
    const list = out.get(k)
    if (list) list.push(v)
    else out.set(k, [v])
  }
  return out
}
