import type { Readable } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import type { Moodle } from '../moodle/index.ts'
import type { Store } from '../store/index.ts'
import { formatMessage, moopanelWire, type MessageParams, type MoopanelCode } from '../shared/error-catalogue.ts'
import type { KeyState } from './key-state.ts'
import type { Lockout } from './lockout.ts'
import type { MoopanelMetrics } from './metrics.ts'

/** What the management API needs from the rest of the service. */
export interface MoopanelDeps {
  moodle: Moodle
  store: Store
  keys: KeyState
  options: MoopanelOptions
  nowMs: () => number
  metrics?: MoopanelMetrics
  /** True once shutdown began: new asynchronous work is refused (503). */
  shuttingDown?: () => boolean
  /**
   * Many sites: reports that the site's database cannot be reached, which takes the site out of
   * service for its back-off (src/sites/site-router.ts); answers the seconds until it is tried
   * again. Without it (one site) such a failure is the 500 of §3.8.
   */
  siteUnavailable?: (error: unknown) => number
  /** The wrong-key lock-out to use (shared by instances through the store, many sites); a new in-memory one otherwise. */
  lockout?: Lockout
}

/** The management API's slice of the configuration. */
export interface MoopanelOptions {
  ipAllowlist: readonly string[]
  trustedProxies: readonly string[]
  lockout: { threshold: number; windowS: number; durationS: number }
  maxBodyBytes: number
  /** IANA zone for GET /api_key_status; null = Moodle's zone, else the host's. */
  timezone: string | null
  exposeSecretSettings: boolean
  queueMaxPending: number
  idempotencyWindowS: number
}

/** One authenticated, routed request. */
export interface EndpointContext {
  method: string
  /** The endpoint name (first segment after server.php). */
  endpoint: string
  subPath: string
  query: Map<string, string>
  /** The `data` object of the body (POST, PUT, DELETE); `{}` otherwise. */
  payload: Record<string, unknown>
  deps: MoopanelDeps
  log: FastifyBaseLogger
}

/** An endpoint's answer: a JSON object, or a stream of JSON text. */
export interface Reply {
  status: number
  body: object | Readable
  headers?: Record<string, string>
  /** For an error answer, its catalogue code (never on the wire: the body is `{"error": message}`). */
  errorCode?: MoopanelCode
}

export type EndpointHandler = (ctx: EndpointContext) => Promise<Reply>

/** `{"error": message}` with the status and message (its `<name>` parameters filled) the catalogue gives the code. */
export function errorReply(code: MoopanelCode, params?: MessageParams): Reply {
  const { status, message } = moopanelWire(code)
  return { status, body: { error: formatMessage(message, params) }, errorCode: code }
}

/** 200 with a body. */
export function ok(body: object, status = 200): Reply {
  return { status, body }
}

/** A flag parameter is on when present, whatever its value (§3.6). */
export function flag(ctx: EndpointContext, name: string): boolean {
  return ctx.query.has(name)
}

/** A value parameter, when given with a non-empty value. */
export function param(ctx: EndpointContext, name: string): string | undefined {
  const value = ctx.query.get(name)
  return value === undefined || value === '' ? undefined : value
}
