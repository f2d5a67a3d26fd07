import type { FastifyReply, FastifyRequest } from 'fastify'
import { Readable } from 'node:stream'
import { appendAudit, redact } from '../store/index.ts'
import { AddressList, clientAddress } from '../shared/client-address.ts'
import type { MoopanelDeps, Reply } from './context.ts'
import { checkRequest, internalError, methodNotAllowed, pipelineError, siteUnavailable, unknownEndpoint } from './error-mapper.ts'
import { isConnectionFailure } from '../shared/db-errors.ts'
import { Lockout } from './lockout.ts'
import { readBody } from './read-body.ts'
import { routePath } from './route-path.ts'
import { RAW_JSON } from './raw-json.ts'
import { endpointLabel, isAuditedGet, resolveRoute } from './routing.ts'

const BODY_METHODS = new Set(['POST', 'PUT', 'DELETE'])

/** The request pipeline of the management API, in the order of moopanel-api.md §3.3. */
export function createPipeline(deps: MoopanelDeps) {
  const lockout = deps.lockout ?? new Lockout(deps.options.lockout, deps.nowMs)
  const allow = new AddressList(deps.options.ipAllowlist)
  const trusted = new AddressList(deps.options.trustedProxies)

  /** What the audit record of a request needs to know, filled in as the pipeline goes. */
  interface Trace {
    path?: string
    endpoint?: string
    query?: string
    source?: string
    authenticated?: boolean
    payload?: unknown
    audited?: boolean
  }

  async function run(request: FastifyRequest, trace: Trace): Promise<Reply> {
    const rawUrl = request.raw.url ?? '/'
    const queryAt = rawUrl.indexOf('?')
    const routed = routePath(queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt))
    if (routed === 'bad') return pipelineError('badRequest')
    if (routed === null) return pipelineError('notFound')
    const method = request.raw.method ?? 'GET'
    trace.path = `/local/moopanel/server.php/${routed.endpoint}${routed.subPath ? `/${routed.subPath}` : ''}`
    trace.query = queryAt === -1 ? '' : rawUrl.slice(queryAt + 1)
    trace.endpoint = routed.endpoint
    trace.audited = BODY_METHODS.has(method) || (method === 'GET' && isAuditedGet(routed.endpoint))
    const refreshing = deps.keys.refresh()
    if (refreshing) await refreshing
    if (!deps.keys.apiEnabled) return pipelineError('disabled')
    const source = clientAddress(request.socket.remoteAddress ?? '', request.headers['x-forwarded-for'], trusted)
    trace.source = source
    const wait = lockout.retryAfter(source)
    if (wait > 0) {
      deps.metrics?.authFailure('locked')
      return { ...pipelineError('lockedOut'), headers: { 'retry-after': String(wait) } }
    }
    const keyHeaders = apiKeyHeaders(request)
    if (keyHeaders.length === 0 || (keyHeaders.length === 1 && httpTrim(keyHeaders[0]!) === '')) {
      deps.metrics?.authFailure('missing')
      return pipelineError('keyRequired')
    }
    if (keyHeaders.length > 1 || !deps.keys.matches(Buffer.from(httpTrim(keyHeaders[0]!), 'latin1'))) {
      lockout.recordFailure(source)
      deps.metrics?.authFailure('invalid')
      return pipelineError('keyFailed')
    }
    lockout.recordSuccess(source)
    trace.authenticated = true
    if (deps.keys.isExpired()) {
      deps.metrics?.authFailure('expired')
      return pipelineError('keyExpired')
    }
    if (!allow.isEmpty && !allow.contains(source)) {
      deps.metrics?.authFailure('ip')
      return pipelineError('ipRefused')
    }
    const { endpoint, subPath } = routed
    const resolved = resolveRoute(endpoint, subPath, method)
    if (resolved.kind === 'unknown') return unknownEndpoint(resolved.name)
    if (resolved.kind === 'method') return methodNotAllowed(resolved.allow)
    let payload: Record<string, unknown> = {}
    if (BODY_METHODS.has(method)) {
      const body = await readBody(request.raw, originalContentType(request), deps.options.maxBodyBytes)
      // A body refused unread may still be arriving: the connection is closed after the answer.
      if (!body.ok) return { ...pipelineError(body.error), ...(body.closeConnection && { headers: { connection: 'close' } }) }
      payload = body.payload
      trace.payload = redact(payload)
    }
    const query = parseQuery(queryAt === -1 ? '' : rawUrl.slice(queryAt + 1))
    const refused = checkRequest(resolved.route, query, payload)
    if (refused) return refused
    return resolved.route.handler({ method, endpoint, subPath, query, payload, deps, log: request.log })
  }

  /** Runs the pipeline and writes the reply; unexpected failures become a 500 with the request id. */
  return async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const started = performance.now()
    const trace: Trace = {}
    let result: Reply
    try {
      result = await run(request, trace)
    } catch (error) {
      if (deps.siteUnavailable && isConnectionFailure(error)) {
        const retryAfterS = deps.siteUnavailable(error)
        request.log.error({ err: error, code: 'MB_SITE_UNAVAILABLE', retryAfterS }, 'database unreachable: the site is out of service for its back-off')
        result = siteUnavailable(retryAfterS)
      } else {
        request.log.error({ err: error, code: 'MB_INTERNAL' }, 'unexpected error')
        result = internalError(request.id)
      }
    }
    send(request, reply, result)
    const label = trace.endpoint === undefined ? 'unknown' : endpointLabel(trace.endpoint)
    deps.metrics?.request(label, request.raw.method ?? '', result.status, (performance.now() - started) / 1000)
    if (trace.audited) await audit(request, trace, result.status, performance.now() - started)
    return reply
  }

  /** Every state-changing request is recorded, whatever its status (§7.3); a failure to record is logged, never answered. */
  async function audit(request: FastifyRequest, trace: Trace, status: number, durationMs: number): Promise<void> {
    const record = {
      at: new Date(deps.nowMs()),
      requestId: request.id,
      sourceIp: trace.source ?? request.socket.remoteAddress ?? '',
      keyPrefix: trace.authenticated ? deps.keys.fingerprintPrefix : 'none',
      method: request.raw.method ?? '',
      path: trace.path ?? '',
      query: trace.query ?? '',
      status,
      durationMs,
      jobIds: [],
      replay: false,
      payload: trace.payload,
    }
    request.log.info({ audit: { ...record, payload: undefined } }, 'audit')
    await appendAudit(deps.store, record).catch((error: unknown) => request.log.error({ err: error }, 'audit record not written'))
  }
}

function send(request: FastifyRequest, reply: FastifyReply, result: Reply): void {
  reply.status(result.status)
  reply.header('content-type', 'application/json; charset=utf-8')
  for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value)
  if (request.raw.method === 'HEAD') {
    void reply.send()
    return
  }
  const body = result.body
  if (body instanceof Readable) {
    body.on('error', (error) => {
      // The response has started: the only honest signal left is an aborted connection.
      request.log.error({ err: error }, 'stream failed after the response started')
      request.raw.socket?.destroy()
    })
    void reply.send(body)
    return
  }
  const raw = (body as Record<symbol, unknown>)[RAW_JSON]
  void reply.send(typeof raw === 'string' || Buffer.isBuffer(raw) ? raw : JSON.stringify(body))
}

/** Trims HTTP's optional whitespace (space and tab) only: the key is compared byte for byte. */
function httpTrim(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, '')
}

/** Every `X-API-KEY` header line as sent (Node would join repeated ones with a comma). */
function apiKeyHeaders(request: FastifyRequest): string[] {
  const raw = request.raw.rawHeaders
  const values: string[] = []
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'x-api-key') values.push(raw[i + 1]!)
  return values
}

const CONTENT_TYPE = Symbol('content-type')

/**
 * Hides the Content-Type header from Fastify (which would answer malformed media types itself,
 * before authentication); the pipeline checks it at step 11 from the value kept here.
 */
export function stashContentType(request: FastifyRequest): void {
  const value = request.raw.headers['content-type']
  if (value === undefined) return
  ;(request.raw as unknown as Record<symbol, string>)[CONTENT_TYPE] = value
  delete request.raw.headers['content-type']
}

function originalContentType(request: FastifyRequest): string | undefined {
  return (request.raw as unknown as Record<symbol, string | undefined>)[CONTENT_TYPE]
}

/** x-www-form-urlencoded, last occurrence wins, a key without `=` has the value `''`. */
export function parseQuery(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of new URLSearchParams(text)) out.set(key, value)
  return out
}
