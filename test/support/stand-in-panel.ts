/**
 * A stand-in MooPanel for callback tests (moopanel-api.md §6): a node:http server on 127.0.0.1 that
 * checks every callback the way the spec describes MooPanel (route per callback type, POST,
 * `X-API-KEY`, 60 callbacks per minute per IP, JSON or XML body shape), records every request and
 * answers like MooPanel. It is stricter than MooPanel where the spec sets rules for the sender:
 * missing `Accept: application/json`, `User-Agent: moodle-bridge/<version>` or a valid `X-Request-Id`
 * → 400; another media type → 415; unknown keys or a `data` wrapper → 422.
 * Route table and body rules are written from the spec, independently of src/moopanel/callbacks.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The callback a path names, by the section of moopanel-api.md that defines it. */
export type StandInRoute = '6.2' | '6.3' | '6.4' | '6.5' | '6.6' | '6.7' | '6.8'

const ROUTES: [RegExp, StandInRoute][] = [
  [/^\/api\/backups\/courses\/([1-9]\d*)$/, '6.2'],
  [/^\/api\/backups\/restore\/instance\/([1-9]\d*)$/, '6.3'],
  [/^\/api\/backups\/delete\/instance\/([1-9]\d*)$/, '6.4'],
  [/^\/api\/updates\/core\/instance\/([1-9]\d*)$/, '6.5'],
  [/^\/api\/updates\/plugins\/instance\/([1-9]\d*)$/, '6.6'],
  [/^\/api\/updates\/zip-plugins\/instance\/([1-9]\d*)$/, '6.7'],
  [/^\/api\/instances\/([1-9]\d*)\/admin_preset$/, '6.8'],
]

/** One request as the stand-in received it, and what it did with it. */
export interface RecordedRequest {
  method: string
  /** The request target as sent (path and query). */
  url: string
  headers: IncomingHttpHeaders
  body: string
  /** The parsed JSON body, or undefined. */
  json: unknown
  route: StandInRoute | null
  instanceId: number | null
  remoteAddress: string
  /** The status answered; null when the stand-in hung or closed the connection. */
  status: number | null
  action: 'answered' | 'hung' | 'closed' | 'stalled'
}

/**
 * A scripted reaction. `status`: answer this (body: object as JSON, string as is); `hang`: never
 * answer; `close`: destroy the connection without an answer; `stall`: send status and headers and
 * part of a body, never end it. Returning undefined lets the stand-in check and answer normally.
 */
export type ScriptedAnswer =
  | { status: number; headers?: Record<string, string>; body?: string | object }
  | { hang: true }
  | { close: true }
  | { stall: true; status?: number }

/** The running stand-in. */
export interface StandInPanel {
  /** Base URL to use as `moopanel_url` (with the path prefix, no trailing slash). */
  url: string
  /** Every request received, in order. */
  requests: RecordedRequest[]
  /** Sets (or with null clears) the script consulted for each request before the normal checks. */
  script(fn: ((request: RecordedRequest) => ScriptedAnswer | undefined) | null): void
  /** Closes the server and every open connection; afterwards connections are refused. */
  stop(): Promise<void>
}

/** Options of `startStandInPanel`. */
export interface StandInOptions {
  apiKey: string
  /** Path prefix of the panel (e.g. `/panel`); default none. */
  prefix?: string
  /** MooPanel's limit per IP and minute (spec: 60). */
  ratePerMinute?: number
  nowMs?: () => number
}

/** Starts a stand-in MooPanel on 127.0.0.1 with a free port. */
export async function startStandInPanel(options: StandInOptions): Promise<StandInPanel> {
  const prefix = options.prefix ?? ''
  const limit = options.ratePerMinute ?? 60
  const now = options.nowMs ?? Date.now
  const requests: RecordedRequest[] = []
  const windows = new Map<string, { startMs: number; count: number }>()
  let scriptFn: ((request: RecordedRequest) => ScriptedAnswer | undefined) | null = null

  /** Laravel's throttle: a fixed one-minute window per IP that starts with its first hit. */
  const throttled = (ip: string): number | null => {
    const t = now()
    let w = windows.get(ip)
    if (!w || t - w.startMs >= 60_000) windows.set(ip, (w = { startMs: t, count: 0 }))
    w.count++
    return w.count > limit ? Math.max(1, Math.ceil((w.startMs + 60_000 - t) / 1000)) : null
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readAll(req)
    const record = recordOf(req, raw, prefix)
    requests.push(record)
    const send = (status: number, body: object | string, headers: Record<string, string> = {}) => {
      record.status = status
      const text = typeof body === 'string' ? body : JSON.stringify(body)
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(text)
    }
    const scripted = scriptFn?.(record)
    if (scripted) return act(scripted, record, req, res, send)
    if (raw.length > 11_000_000) return send(413, { message: 'Payload too large.' })
    if (record.route === null) return send(404, { message: 'Not Found' })
    if (req.method !== 'POST') return send(405, { message: `The ${req.method} method is not supported for this route. Supported methods: POST.` })
    const retryAfterS = throttled(record.remoteAddress)
    if (retryAfterS !== null) return send(429, { message: 'Too Many Attempts.' }, { 'retry-after': String(retryAfterS) })
    if (req.headers['x-api-key'] !== options.apiKey) return send(403, { message: 'You are not authorized' })
    const headerErrors = headerProblems(req.headers)
    if (headerErrors) return send(400, { message: 'Bad callback headers.', errors: headerErrors })
    const wanted = record.route === '6.8' ? 'application/xml' : 'application/json'
    if (mediaType(req.headers['content-type']) !== wanted) return send(415, { message: `Content-Type must be ${wanted}.` })
    const errors = validate(record, raw)
    if (errors) return send(422, { message: 'The given data was invalid.', errors })
    send(200, record.route === '6.8' ? { message: 'Admin preset stored successfully' } : { message: 'ok', status: true })
  }

  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    script: (fn) => void (scriptFn = fn),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function act(
  answer: ScriptedAnswer,
  record: RecordedRequest,
  req: IncomingMessage,
  res: ServerResponse,
  send: (status: number, body: object | string, headers?: Record<string, string>) => void,
): void {
  if ('hang' in answer) return void (record.action = 'hung')
  if ('close' in answer) {
    record.action = 'closed'
    return void req.socket.destroy()
  }
  if ('stall' in answer) {
    record.action = 'stalled'
    record.status = answer.status ?? 200
    res.writeHead(record.status, { 'content-type': 'application/json' })
    return void res.write('{"message":')
  }
  send(answer.status, answer.body ?? '', answer.headers)
}

function recordOf(req: IncomingMessage, raw: Buffer, prefix: string): RecordedRequest {
  const url = req.url ?? ''
  const path = url.startsWith(prefix) ? url.slice(prefix.length) : null
  const match = path === null ? undefined : ROUTES.map(([re, route]) => [re.exec(path), route] as const).find(([m]) => m)
  const body = raw.toString('utf8')
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    json = undefined
  }
  return {
    method: req.method ?? '',
    url,
    headers: req.headers,
    body,
    json,
    route: match?.[1] ?? null,
    instanceId: match?.[0] ? Number(match[0][1]) : null,
    remoteAddress: req.socket.remoteAddress ?? '',
    status: null,
    action: 'answered',
  }
}

/** The §6.1 header rules beyond the key, as `errors` of a 400 answer; null when all hold. */
function headerProblems(headers: IncomingHttpHeaders): Record<string, string[]> | null {
  const errors: Record<string, string[]> = {}
  if (mediaType(headers.accept) !== 'application/json') errors['accept'] = ['Accept must be application/json.']
  if (!/^moodle-bridge\/\S+$/.test(headers['user-agent'] ?? '')) errors['user-agent'] = ['User-Agent must be moodle-bridge/<version>.']
  const id = headers['x-request-id']
  if (typeof id !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(id)) errors['x-request-id'] = ['X-Request-Id is missing or malformed.']
  return Object.keys(errors).length === 0 ? null : errors
}

function validate(record: RecordedRequest, raw: Buffer): Record<string, string[]> | null {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw)
  } catch {
    return { body: ['The body is not UTF-8.'] }
  }
  if (record.route === '6.8') {
    const problem = xmlProblem(text)
    return problem === null ? null : { xml: [problem] }
  }
  if (record.json === undefined) return { body: ['The body is not JSON.'] }
  return bodyProblems(record.route!, record.json)
}

function mediaType(value: string | undefined): string {
  return (value ?? '').split(';')[0]!.trim().toLowerCase()
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** A check of one value; returns the problem or null. */
type Rule = (value: unknown) => string | null

const bool: Rule = (v) => (typeof v === 'boolean' ? null : 'must be a boolean')
const int: Rule = (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2_147_483_647 ? null : 'must be an integer')
const nullable = (rule: Rule): Rule => (v) => (v === null ? null : rule(v))
const string = (min: number, max: number): Rule => (v) => {
  if (typeof v !== 'string') return 'must be a string'
  const length = Array.from(v).length
  return length < min ? 'must not be empty' : length > max ? `may not be greater than ${max} characters` : null
}
const passwordRule: Rule = (v) => (typeof v === 'string' && Buffer.byteLength(v) >= 1 && Buffer.byteLength(v) <= 23 ? null : 'must have 1–23 bytes')
const email: Rule = (v) => (typeof v === 'string' && /^[^\s@]+@[^\s@]+\.[^\s@.]+$/.test(v) ? null : 'must be a valid email address')
const ANY_TEXT = Number.MAX_SAFE_INTEGER

const PLUGIN_ITEM: Record<string, Rule> = { model_id: int, status: bool, component: string(1, ANY_TEXT), error: nullable(string(0, 255)) }
const ZIP_ITEM: Record<string, Rule> = {
  link: string(1, ANY_TEXT),
  status: bool,
  component: string(1, ANY_TEXT),
  version: nullable(string(0, ANY_TEXT)),
  error: nullable(string(0, 255)),
}

/** Body rules per callback (§6.2–6.7): every key present, types as in the tables; a nested record is an array of objects. */
const BODIES: Record<Exclude<StandInRoute, '6.8'>, Record<string, Rule | Record<string, Rule>>> = {
  '6.2': { status: bool, courseid: int, link: string(1, 255), password: passwordRule, filesize: nullable(int), message: nullable(string(1, 255)) },
  '6.3': { status: bool, user_id: nullable(int), backup_result_id: nullable(int), courseid: int, message: string(1, 255) },
  '6.4': { status: bool, user_id: nullable(int), backup_result_id: nullable(int), message: string(1, 255) },
  '6.5': { status: bool, moodle_job_id: int, user_id: nullable(int), update_id: int, message: string(1, 255) },
  '6.6': { moodle_job_id: int, user_id: nullable(int), username: nullable(email), updates: PLUGIN_ITEM },
  '6.7': { moodle_job_id: int, user_id: nullable(int), username: nullable(email), updates: ZIP_ITEM },
}

/** Laravel-style `errors` for a JSON callback body, keyed by dotted path; null when valid. */
export function bodyProblems(route: StandInRoute, json: unknown): Record<string, string[]> | null {
  if (route === '6.8') return null
  const errors: Record<string, string[]> = {}
  checkObject(BODIES[route], json, '', errors)
  return Object.keys(errors).length === 0 ? null : errors
}

function checkObject(rules: Record<string, Rule | Record<string, Rule>>, value: unknown, path: string, errors: Record<string, string[]>): void {
  const report = (field: string, problem: string) => void (errors[field] ??= []).push(`The ${field} field ${problem}.`)
  const add = (key: string, problem: string) => report(path + key, problem)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return report(path === '' ? 'body' : path.slice(0, -1), 'must be an object')
  const object = value as Record<string, unknown>
  for (const key of Object.keys(object)) if (!(key in rules)) add(key, 'is not expected')
  for (const [key, rule] of Object.entries(rules)) {
    if (!(key in object)) {
      add(key, 'must be present')
    } else if (typeof rule === 'function') {
      const problem = rule(object[key])
      if (problem) add(key, problem)
    } else {
      const list = object[key]
      if (!Array.isArray(list) || list.length === 0) add(key, 'must be an array with at least 1 element')
      else list.forEach((item, i) => checkObject(rule, item, `${path}${key}.${i}.`, errors))
    }
  }
}

const NAME = '[A-Za-z_:][\\w.:-]*'
const ATTRIBUTES = new RegExp(`^(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)$`)
const BAD_ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/

/**
 * Why `xml` is not a well-formed XML document (elements, attributes, character and predefined
 * entity references, comments, CDATA, processing instructions; no DTD), or null. Enough for the
 * §5.9 documents; not a full XML 1.0 parser.
 */
export function xmlProblem(xml: string): string | null {
  const stack: string[] = []
  let roots = 0
  let i = xml.startsWith('\uFEFF') ? 1 : 0
  const start = i
  while (i < xml.length) {
    const lt = xml.indexOf('<', i)
    const text = xml.slice(i, lt === -1 ? xml.length : lt)
    if (stack.length === 0 && text.trim() !== '') return 'text outside the root element'
    if (BAD_ENTITY.test(text) || text.includes(']]>')) return 'bad character data'
    if (lt === -1) break
    const skip = (open: string, close: string): number => (xml.startsWith(open, lt) ? xml.indexOf(close, lt + open.length) : -2)
    let end: number
    if ((end = skip('<?', '?>')) !== -2) {
      if (end === -1) return 'unterminated processing instruction'
      if (/^<\?xml[\s?]/i.test(xml.slice(lt, lt + 6)) && lt !== start) return 'XML declaration not at the start'
      i = end + 2
    } else if ((end = skip('<!--', '-->')) !== -2) {
      if (end === -1) return 'unterminated comment'
      i = end + 3
    } else if ((end = skip('<![CDATA[', ']]>')) !== -2) {
      if (end === -1 || stack.length === 0) return 'misplaced or unterminated CDATA'
      i = end + 3
    } else if (xml.startsWith('<!', lt)) {
      return 'DTDs are not accepted'
    } else {
      end = tagEnd(xml, lt)
      if (end === -1) return 'unterminated tag'
      const tag = xml.slice(lt + 1, end)
      if (tag.startsWith('/')) {
        if (stack.pop() !== tag.slice(1).trim()) return `mismatched end tag ${tag}`
      } else {
        const m = ATTRIBUTES.exec(tag)
        if (!m) return `malformed tag <${tag}>`
        const names = [...m[2]!.matchAll(new RegExp(`(${NAME})\\s*=`, 'g'))].map((a) => a[1])
        if (new Set(names).size !== names.length) return `duplicate attribute in <${m[1]}>`
        if (BAD_ENTITY.test(m[2]!)) return `bad entity in <${m[1]}>`
        if (stack.length === 0 && roots++ > 0) return 'more than one root element'
        if (m[3] !== '/') stack.push(m[1]!)
      }
      i = end + 1
    }
  }
  if (stack.length > 0) return `unclosed element ${stack.at(-1)}`
  return roots === 0 ? 'no root element' : null
}

/** The `>` closing the tag at `lt`, skipping quoted attribute values; -1 when there is none. */
function tagEnd(xml: string, lt: number): number {
  let quote: string | null = null
  for (let j = lt + 1; j < xml.length; j++) {
    const c = xml[j]
    if (quote) quote = c === quote ? null : quote
    else if (c === '"' || c === "'") quote = c
    else if (c === '>') return j
  }
  return -1
}
