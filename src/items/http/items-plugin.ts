import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { isCliMaintenance, missingTableOf } from '../../moodle/index.ts'
import { isConnectionFailure } from '../../store/index.ts'
import { Errors, ItemsApiError } from '../errors.ts'
import type { ItemsApi } from '../create-items-api.ts'
import { callerOf, type Caller } from '../operations/items-core.ts'
import { itemsServiceFor } from '../operations/items-service.ts'
import { createRoute, deleteRoute, getRoute, listRoute, updateRoute, type ParsedRequest } from '../routes/item-routes.ts'
import { extensionRoute } from '../routes/extension-route.ts'
import { docsAssetRoute, docsPageRoute, openapiRoute } from '../routes/openapi-routes.ts'
import { corsHeaders, preflightHeaders } from './cors.ts'
import { isJsonContentType, parseJsonObject, readRawBody } from './read-body.ts'
import { errorReply, REFUSAL_MESSAGES, type Reply } from './reply.ts'
import { matchRoute, type RouteMatch } from './router.ts'
import { clientAddress } from '../../shared/client-address.ts'

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])
const CONTENT_TYPE = Symbol('items-content-type')

/**
 * The Items API as a Fastify plugin: catch-all routes under `M/api`, because the processing order of
 * items-api.md §3 (switch, maintenance, rate limit, routing, authentication, then parsing) is the
 * contract, not Fastify's. Bodies are read by the pipeline after authentication.
 */
export const itemsPlugin: FastifyPluginAsync<{ api: ItemsApi }> = async (app, { api }) => {
  app.addHook('onRequest', async (request) => {
    const value = request.raw.headers['content-type']
    if (value === undefined) return
    ;(request.raw as unknown as Record<symbol, string>)[CONTENT_TYPE] = value
    delete request.raw.headers['content-type']
  })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined))
  const handler = (request: FastifyRequest, reply: FastifyReply) => handle(api, request, reply)
  const base = api.options.mountPath
  app.route({ method: [...METHODS], url: `${base}/api`, handler })
  app.route({ method: [...METHODS], url: `${base}/api/*`, handler })
}

async function handle(api: ItemsApi, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const headers: Record<string, string> = {}
  let result: Reply
  try {
    result = await run(api, request, headers)
  } catch (error) {
    result = errorReply(asApiError(error, request))
  }
  const origin = request.headers.origin
  Object.assign(headers, corsHeaders(api.options.cors, typeof origin === 'string' ? origin : undefined))
  reply.status(result.status)
  reply.headers({ ...headers, ...result.headers })
  if (!result.headers['cache-control']) reply.header('cache-control', 'no-store')
  if (request.raw.method === 'HEAD' || result.body === undefined) return reply.send()
  return reply.send(result.body)
}

function asApiError(error: unknown, request: FastifyRequest): ItemsApiError {
  if (error instanceof ItemsApiError) return error
  if (isConnectionFailure(error)) {
    request.log.error({ err: error }, 'database unreachable')
    return Errors.unavailable()
  }
  const table = missingTableOf(error)
  if (table !== null) {
    request.log.error({ table }, `Moodle table ${table} is missing`)
    return Errors.moodleTableMissing()
  }
  request.log.error({ err: error }, 'unexpected error')
  return Errors.serverError()
}

function rateHeaders(target: Record<string, string>, r: { limit: number; remaining: number; resetS: number }): void {
  target['x-ratelimit-limit'] = String(r.limit)
  target['x-ratelimit-remaining'] = String(r.remaining)
  target['x-ratelimit-reset'] = String(r.resetS)
}

/** §3 steps 2–12. `headers` collects headers that every outcome carries (rate limits). */
async function run(api: ItemsApi, request: FastifyRequest, headers: Record<string, string>): Promise<Reply> {
  const rawUrl = request.raw.url ?? '/'
  const q = rawUrl.indexOf('?')
  const path = (q === -1 ? rawUrl : rawUrl.slice(0, q)).slice(api.options.mountPath.length)
  const method = request.raw.method ?? 'GET'
  // 2. enable switch; 3. CLI maintenance; 4. per-address rate limit.
  const switches = await api.switches.read()
  if (!switches.enabled) throw Errors.apiDisabled()
  if (isCliMaintenance(api.core.moodle.dataroot)) throw Errors.maintenance()
  const ip = clientAddress(request.socket.remoteAddress ?? '', request.headers['x-forwarded-for'], api.trusted)
  if (api.limiters) {
    const hit = api.limiters.ip.hit(ip)
    rateHeaders(headers, hit)
    if (!hit.ok) throw Errors.tooManyRequests(hit.resetS)
  }
  // 5. routing
  const match = matchRoute(path, api.core.registry.routes)
  if (!match) throw Errors.routeNotFound()
  const allow = match.methods.join(', ')
  if (method === 'OPTIONS') {
    const origin = request.headers.origin
    return { status: 204, headers: { allow, ...preflightHeaders(api.options.cors, typeof origin === 'string' ? origin : undefined, request.headers['access-control-request-method'], allow) } }
  }
  if (!match.methods.includes(method)) throw Errors.methodNotAllowed(allow)
  const extension = match.kind === 'extension' ? match.routes.find((m) => m.route.method === (method === 'HEAD' ? 'GET' : method))! : undefined
  const isPublic =
    (match.kind === 'builtin' && (match.route === 'docs' || match.route === 'docs-asset')) ||
    (match.kind === 'builtin' && (match.route === 'openapi.json' || match.route === 'openapi.yaml') && switches.openapiPublic) ||
    extension?.route.public === true
  const query = parseQuery(q === -1 ? '' : rawUrl.slice(q + 1))
  // 6.–9. authentication, maintenance, sesskey (the authenticator), then the per-user budget.
  let caller: Caller | null = null
  if (!isPublic) {
    const outcome = await api.core.auth.authenticate({ method, headers: request.headers, query: Object.fromEntries([...query].map(([k, v]) => [k, v.length === 1 ? v[0] : v])), clientIp: ip, log: request.log })
    if (!outcome.ok) {
      const r = outcome.refusal
      throw new ItemsApiError(r.status, r.reason, REFUSAL_MESSAGES[r.reason] ?? 'Unauthenticated.', { headers: r.headers })
    }
    caller = callerOf(outcome.principal, ip, request.id)
    if (api.limiters) {
      const hit = api.limiters.user.hit(String(outcome.principal.userId))
      rateHeaders(headers, hit)
      if (!hit.ok) throw Errors.tooManyRequests(hit.resetS)
    }
  }
  // 10. request parsing
  let body: Record<string, unknown> | undefined
  if (BODY_METHODS.has(method)) {
    {
      const contentType = (request.raw as unknown as Record<symbol, string | undefined>)[CONTENT_TYPE]
      if (!isJsonContentType(contentType)) throw Errors.unsupportedMediaType()
      const bytes = await readRawBody(request.raw, api.options.maxBodyBytes)
      if (bytes instanceof ItemsApiError) throw bytes
      const parsed = parseJsonObject(bytes)
      if (parsed instanceof ItemsApiError) throw parsed
      body = parsed
    }
  }
  const parsed: ParsedRequest = { method, query, headers: request.headers, body }
  // 11. the operation
  return dispatch(api, match, parsed, caller, extension, request)
}

async function dispatch(
  api: ItemsApi,
  match: RouteMatch,
  r: ParsedRequest,
  caller: Caller | null,
  extension: { route: import('../extensions/extension-routes.ts').ExtensionRoute; params: Record<string, string> } | undefined,
  request: FastifyRequest,
): Promise<Reply> {
  const core = api.core
  if (match.kind === 'extension') {
    const user = caller ? await api.userOf(caller) : null
    if (caller && !caller.principal.siteAdmin) {
      for (const cap of extension!.route.capabilities) {
        if (!(await core.auth.has(caller.principal, cap))) throw Errors.missingCapability(cap)
      }
    }
    return extensionRoute(core, extension!.route, extension!.params, r, {
      caller, user, items: itemsServiceFor(core, caller), ip: caller?.ip ?? '', requestId: request.id, log: request.log,
    })
  }
  const method = r.method === 'HEAD' ? 'GET' : r.method
  switch (match.route) {
    case 'openapi.json':
    case 'openapi.yaml':
      return openapiRoute(api.openapi, match.route === 'openapi.json' ? 'json' : 'yaml', r)
    case 'docs':
      return docsPageRoute(api.options.mountPath)
    case 'docs-asset':
      return docsAssetRoute(match.asset!, api.options.mountPath)
    case 'items':
      return method === 'GET' ? listRoute(core, caller!, r) : createRoute(core, caller!, r, (id) => `${api.options.mountPath}/api/v1/items/${id}`)
    case 'item':
      if (method === 'GET') return getRoute(core, caller!, r, match.id!, false)
      if (method === 'DELETE') return deleteRoute(core, caller!, r, match.id!)
      return updateRoute(core, caller!, r, match.id!)
    case 'metadata':
      return getRoute(core, caller!, r, match.id!, true)
  }
}

/** The query string as name → every value (repeats kept, §4.1). */
function parseQuery(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  if (text === '') return out
  for (const [k, v] of new URLSearchParams(text)) {
    const list = out.get(k)
    if (list) list.push(v)
    else out.set(k, [v])
  }
  return out
}
