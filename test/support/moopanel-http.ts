/**
 * Request helpers for the MooPanel API contract tests (moopanel-api.md §3): raw `inject` requests
 * (repeated headers, streamed bodies, paths outside the route), a real listening socket for what
 * `inject` cannot express (byte-exact header values, chunked bodies, a Content-Length larger than
 * what is sent), and the assertions every response must pass (§3.7). Every `inject` answer is also
 * checked against the generated OpenAPI document (moopanel-openapi-check.ts).
 */
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import type { Readable } from 'node:stream'
import { assertDocumented } from './moopanel-openapi-check.ts'
import type { FixtureService } from './start-fixture-service.ts'
import { TEST_KEY } from './start-fixture-service.ts'

/** The route every API path below is relative to. */
export const ROUTE = '/local/moopanel/server.php'

/** A response as the tests look at it. */
export interface ApiResponse {
  status: number
  headers: Record<string, unknown>
  body: string
  /** The parsed body, or undefined when it is not JSON. */
  json: any
}

export interface RawInit {
  method?: string
  /** Header name → value; an array sends the header once per element. */
  headers?: Record<string, string | string[]>
  payload?: string | Buffer | Readable
  remoteAddress?: string
  /** The X-API-KEY value; `null` sends none. Default: the configured test key. */
  key?: string | null
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

/** Sends `url` (a full path, prefix included) through Fastify's `inject`. */
export async function injectRaw(s: FixtureService, url: string, init: RawInit = {}): Promise<ApiResponse> {
  const headers: Record<string, string | string[]> = { ...(init.headers ?? {}) }
  if (init.key !== null && !Object.keys(headers).some((h) => h.toLowerCase() === 'x-api-key')) headers['x-api-key'] = init.key ?? TEST_KEY
  const res = await s.service.app.inject({
    method: (init.method ?? 'GET') as 'GET',
    url,
    headers: headers as Record<string, string>,
    ...(init.payload !== undefined && { payload: init.payload }),
    ...(init.remoteAddress !== undefined && { remoteAddress: init.remoteAddress }),
  })
  const answer = { status: res.statusCode, headers: res.headers as Record<string, unknown>, body: res.body, json: parse(res.body) }
  // The URL as the server saw it (inject resolves `.` and `..` segments).
  assertDocumented(init.method ?? 'GET', res.raw.req.url ?? url, answer)
  return answer
}

/** Same as `injectRaw`, with `path` relative to the API route. */
export function call(s: FixtureService, path: string, init: RawInit = {}): Promise<ApiResponse> {
  return injectRaw(s, `${ROUTE}${path}`, init)
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i
export { UUID_V4 }

/** §3.7: headers every response carries; no cookies, no redirects, JSON content type. */
export function assertCommonHeaders(res: ApiResponse, what = ''): void {
  const at = what ? ` (${what})` : ''
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8', `content-type${at}`)
  assert.equal(res.headers['cache-control'], 'no-store', `cache-control${at}`)
  assert.equal(res.headers['x-content-type-options'], 'nosniff', `x-content-type-options${at}`)
  const id = res.headers['x-request-id']
  assert.ok(typeof id === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(id), `x-request-id${at}: ${String(id)}`)
  assert.equal(res.headers['set-cookie'], undefined, `set-cookie${at}`)
  assert.ok(res.status < 300 || res.status >= 400, `no redirects${at}: ${res.status}`)
}

/** An error answer: exact status, body exactly `{"error": message}`, common headers. */
export function assertError(res: ApiResponse, status: number, message: string, what = ''): void {
  const at = what ? ` (${what})` : ''
  assert.equal(res.status, status, `status${at}: body ${res.body.slice(0, 300)}`)
  assert.deepEqual(res.json, { error: message }, `body${at}`)
  assertCommonHeaders(res, what)
}

/** A JSON object answer with status 200 (or `status`). */
export function assertOk(res: ApiResponse, status = 200, what = ''): any {
  const at = what ? ` (${what})` : ''
  assert.equal(res.status, status, `status${at}: body ${res.body.slice(0, 300)}`)
  assert.ok(res.json !== null && typeof res.json === 'object' && !Array.isArray(res.json), `JSON object body${at}`)
  assertCommonHeaders(res, what)
  return res.json
}

/** Starts listening on an ephemeral loopback port; returns the port. */
export async function listen(s: FixtureService): Promise<number> {
  await s.service.app.listen({ host: '127.0.0.1', port: 0 })
  const address = s.service.app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** A response read from a real socket: status, lower-cased headers (repeated ones as arrays), body. */
export interface WireResponse extends ApiResponse {
  rawHeaders: Array<[string, string]>
}

/**
 * Sends `head` (request line and headers, CRLF-separated, without the final empty line; each char
 * one byte, Latin-1) and then
 * each body part, over a fresh TCP connection; resolves with the first complete response (by
 * Content-Length or chunked framing, or at connection close).
 */
export async function rawHttp(port: number, head: string, bodyParts: Array<string | Buffer> = [], options: { partDelayMs?: number } = {}): Promise<WireResponse> {
  const res = await rawExchange(port, head, bodyParts, options)
  // Checked against the OpenAPI document like the `inject` answers, when the request line is one.
  const line = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(head.slice(0, head.indexOf('\r\n') === -1 ? undefined : head.indexOf('\r\n')))
  if (line) assertDocumented(line[1]!, line[2]!, res)
  return res
}

function rawExchange(port: number, head: string, bodyParts: Array<string | Buffer>, options: { partDelayMs?: number }): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    let buffer = Buffer.alloc(0)
    let done = false
    const timer = setTimeout(() => finish(new Error(`no complete response within 10 s: ${buffer.toString('latin1').slice(0, 300)}`)), 10_000)
    const finish = (error: Error | null, res?: WireResponse) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      if (error) reject(error)
      else resolve(res!)
    }
    const tryParse = (closed: boolean) => {
      const end = buffer.indexOf('\r\n\r\n')
      if (end === -1) {
        if (closed) finish(new Error(`connection closed without a response: ${buffer.toString('latin1')}`))
        return
      }
      const lines = buffer.subarray(0, end).toString('latin1').split('\r\n')
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN)
      const rawHeaders: Array<[string, string]> = []
      const headers: Record<string, unknown> = {}
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':')
        const name = line.slice(0, colon).trim().toLowerCase()
        const value = line.slice(colon + 1).trim()
        rawHeaders.push([name, value])
        const prior = headers[name]
        headers[name] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value]
      }
      const rest = buffer.subarray(end + 4)
      let body: Buffer | null = null
      if (typeof headers['content-length'] === 'string') {
        const n = Number(headers['content-length'])
        if (rest.length >= n) body = rest.subarray(0, n)
      } else if (String(headers['transfer-encoding'] ?? '').toLowerCase() === 'chunked') {
        const parts: Buffer[] = []
        let at = 0
        for (;;) {
          const lineEnd = rest.indexOf('\r\n', at)
          if (lineEnd === -1) break
          const size = Number.parseInt(rest.subarray(at, lineEnd).toString('latin1'), 16)
          if (size === 0) {
            body = Buffer.concat(parts)
            break
          }
          if (rest.length < lineEnd + 2 + size + 2) break
          parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size))
          at = lineEnd + 2 + size + 2
        }
      } else if (closed) {
        body = rest
      }
      if (body === null) {
        if (closed) finish(new Error('connection closed inside the body'))
        return
      }
      const text = body.toString('utf8')
      finish(null, { status, headers, rawHeaders, body: text, json: parse(text) })
    }
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk])
      tryParse(false)
    })
    socket.on('end', () => tryParse(true))
    socket.on('close', () => tryParse(true))
    socket.on('error', (error) => {
      // A server may reset the connection after answering early; a complete answer still counts.
      if (buffer.length > 0) tryParse(true)
      else finish(error)
    })
    socket.on('connect', async () => {
      // Latin-1, so that a test can put any single byte into a header value.
      socket.write(`${head}\r\n\r\n`, 'latin1')
      for (const part of bodyParts) {
        if (done) return
        if (options.partDelayMs) await new Promise((r) => setTimeout(r, options.partDelayMs))
        if (done || socket.destroyed) return
        socket.write(part)
      }
    })
  })
}

/**
 * Closes a fixture service and only then lets `close()` drop its scratch store database. pg-pool's
 * `end()` resolves before its sockets have closed, so dropping the database at once (`WITH (FORCE)`)
 * can terminate a still-closing connection, whose error then surfaces as an uncaught exception. A
 * second `service.close()` (inside `s.close()`) is a no-op.
 */
export async function closeService(s: FixtureService | undefined): Promise<void> {
  if (!s) return
  await s.service.close()
  await new Promise((resolve) => setTimeout(resolve, 150))
  await s.close()
}
