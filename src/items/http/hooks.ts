import type { FastifyReply, FastifyRequest } from 'fastify'
import { isCliMaintenance } from '../../moodle/index.ts'
import { clientAddress } from '../../shared/client-address.ts'
import { Errors, ItemsApiError } from '../errors.ts'
import type { ItemsApi } from '../create-items-api.ts'
import { callerOf } from '../operations/items-core.ts'
import { preflightHeaders } from './cors.ts'
import { isJsonContentType, parseJsonObject, readRawBody } from './read-body.ts'
import { allowedMethods, matchPath, type ItemsRoute } from './route-table.ts'
import { apiPathOf, parseQuery, startState, stateOf, type ItemsRequestState } from './request-state.ts'
import { writeReply } from './error-mapper.ts'

/**
 * The hook chain of items-api.md §3, in its order: the gate (steps 2–4) for every request of the API
 * namespace, then per route the path rules, authentication and per-user budget (5–9) and the media
 * type (10), all in `onRequest` so that nothing is read before them; the body in the content-type
 * parser (10); the extension capabilities in `preValidation`, before Fastify validates (10).
 */

export const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])

const state = (request: FastifyRequest) => stateOf(request)!

function rateHeaders(target: Record<string, string>, r: { limit: number; remaining: number; resetS: number }): void {
  target['x-ratelimit-limit'] = String(r.limit)
  target['x-ratelimit-remaining'] = String(r.remaining)
  target['x-ratelimit-reset'] = String(r.resetS)
}

/** §3 steps 1–4: the state, the enable switch, CLI maintenance, the per-address budget. */
export function gateHook(api: ItemsApi) {
  return async (request: FastifyRequest): Promise<void> => {
    const contentType = request.raw.headers['content-type']
    delete request.raw.headers['content-type']
    const s: ItemsRequestState = startState(request, {
      contentType, query: parseQuery(request.raw.url ?? '/'), rateHeaders: {}, openapiPublic: false, clientIp: '', params: {}, caller: null, user: null,
    })
    const switches = await api.switches.read()
    if (!switches.enabled) throw Errors.apiDisabled()
    s.openapiPublic = switches.openapiPublic
    if (isCliMaintenance(api.core.moodle.dataroot)) throw Errors.maintenance()
    s.clientIp = clientAddress(request.socket.remoteAddress ?? '', request.headers['x-forwarded-for'], api.trusted)
    if (api.limiters) {
      const hit = api.limiters.ip.hit(s.clientIp)
      rateHeaders(s.rateHeaders, hit)
      if (!hit.ok) throw Errors.tooManyRequests(hit.resetS)
    }
  }
}

/**
 * §3 step 5 for paths no route took: unknown path 404, `OPTIONS` 204 with `Allow` (and the CORS
 * preflight headers), any other method 405. Fastify routes each offered method to its own route, so
 * an offered method arrives here only when the router refused a parameter longer than its
 * `maxParamLength` (100): that path is unknown to the API too.
 */
export function fallbackHook(api: ItemsApi, table: readonly ItemsRoute[]) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> => {
    const allowed = allowedMethods(table, apiPathOf(request, api.options.mountPath).slice('/api'.length))
    if (!allowed) throw Errors.routeNotFound()
    const allow = allowed.join(', ')
    const method = request.raw.method ?? 'GET'
    if (method === 'OPTIONS') {
      const origin = typeof request.headers.origin === 'string' ? request.headers.origin : undefined
      return writeReply(api, request, reply, {
        status: 204, headers: { allow, ...preflightHeaders(api.options.cors, origin, request.headers['access-control-request-method'], allow) },
      })
    }
    if (allowed.includes(method)) throw Errors.routeNotFound()
    throw Errors.methodNotAllowed(allow)
  }
}

/** §3 steps 5–10 of one route: path rules, authentication, maintenance, sesskey, per-user budget, media type. */
export function routeHook(api: ItemsApi, route: ItemsRoute) {
  return async (request: FastifyRequest): Promise<void> => {
    const s = state(request)
    const params = matchPath(route, apiPathOf(request, api.options.mountPath).slice('/api'.length))
    if (params === null) throw Errors.routeNotFound()
    s.params = params
    const method = request.raw.method ?? 'GET'
    const isPublic = route.auth === 'public' || (route.auth === 'openapi' && s.openapiPublic)
    if (!isPublic) {
      const query = Object.fromEntries([...s.query].map(([k, v]) => [k, v.length === 1 ? v[0] : v]))
      const outcome = await api.core.auth.authenticate({ method, headers: request.headers, query, clientIp: s.clientIp, log: request.log })
      if (!outcome.ok) {
        throw Errors.refused(outcome.refusal.status, outcome.refusal.reason, outcome.refusal.headers)
      }
      s.caller = callerOf(outcome.principal, s.clientIp, request.id)
      if (api.limiters) {
        const hit = api.limiters.user.hit(String(outcome.principal.userId))
        rateHeaders(s.rateHeaders, hit)
        if (!hit.ok) throw Errors.tooManyRequests(hit.resetS)
      }
    }
    if (BODY_METHODS.has(method) && !isJsonContentType(s.contentType)) throw Errors.unsupportedMediaType()
  }
}

/**
 * §3 step 10: the body of POST, PUT and PATCH, up to `items_max_body_bytes`, as a JSON object; other
 * methods' bodies are never read. A refusal (413, 400) is kept for the preValidation hook instead of
 * being thrown: Fastify answers a parser's error with `Connection: close`, which the API never sent.
 */
export function bodyParser(api: ItemsApi) {
  return async (request: FastifyRequest): Promise<Record<string, unknown> | undefined> => {
    if (!BODY_METHODS.has(request.raw.method ?? '')) return undefined
    const bytes = await readRawBody(request.raw, api.options.maxBodyBytes)
    const parsed = bytes instanceof ItemsApiError ? bytes : parseJsonObject(bytes)
    if (!(parsed instanceof ItemsApiError)) return parsed
    state(request).bodyError = parsed
    return undefined
  }
}

/**
 * §3 steps 10–11 before validation: the body's refusal, if any; a body method without a body is `invalid_body`; an extension
 * route checks its capabilities (403) before Fastify validates its parameters (400), and gets the
 * query as today's handlers see it (a repeated name becomes a list).
 */
export function preValidationHook(api: ItemsApi, route: ItemsRoute) {
  return async (request: FastifyRequest): Promise<void> => {
    const s = state(request)
    if (s.bodyError) throw s.bodyError
    if (BODY_METHODS.has(request.raw.method ?? '') && request.body === undefined) throw Errors.invalidBody()
    if (!route.extension) return
    s.user = s.caller ? await api.userOf(s.caller) : null
    if (s.caller && !s.caller.principal.siteAdmin) {
      for (const cap of route.capabilities ?? []) {
        if (!(await api.core.auth.has(s.caller.principal, cap))) throw Errors.missingCapability(cap)
      }
    }
    const query: Record<string, unknown> = {}
    for (const [k, v] of s.query) query[k] = v.length === 1 ? v[0] : v
    request.query = query
    request.params = { ...s.params }
  }
}
