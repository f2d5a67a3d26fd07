import { Errors, ItemsApiError } from '../errors.ts'

/** A reply the pipeline writes: status, headers, body bytes (none for 204/304/HEAD). */
export interface Reply {
  status: number
  headers: Record<string, string>
  body?: string | Buffer
}

export const JSON_TYPE = 'application/json; charset=utf-8'

/** The success envelope (§4.3). */
export function okReply(status: number, data: unknown, extra: { meta?: unknown; headers?: Record<string, string> } = {}): Reply {
  const body = extra.meta === undefined ? { success: true, data } : { success: true, data, meta: extra.meta }
  return { status, headers: { 'content-type': JSON_TYPE, ...(extra.headers ?? {}) }, body: JSON.stringify(body) }
}

/** The error envelope (§4.4) of an ItemsApiError. */
export function errorReply(error: ItemsApiError): Reply {
  const body: Record<string, unknown> = { success: false, error: true, code: error.status, reason: error.reason, message: error.message }
  if (error.errors) {
    body.errors = error.errors
    body.violations =
      error.violations ??
      Object.entries(error.errors).flatMap(([field, messages]) => messages.map((m) => ({ field, rule: 'invalid', message: m, params: {} })))
  }
  const headers: Record<string, string> = { 'content-type': JSON_TYPE, ...(error.headers ?? {}) }
  if (error.status === 401 && !headers['www-authenticate']) headers['www-authenticate'] = 'Bearer realm="moodle-bridge"'
  if (error.status === 503 && !headers['retry-after']) headers['retry-after'] = '60'
  return { status: error.status, headers, body: JSON.stringify(body) }
}

/** The envelope body of a request Node could not parse, for the server's client-error handler (431 or 400). */
export function clientErrorBody(headersTooLarge: boolean): string {
  const error = headersTooLarge ? Errors.requestHeaderTooLarge() : Errors.badRequest()
  return JSON.stringify({ success: false, error: true, code: error.status, reason: error.reason, message: error.message })
}

export { REFUSAL_MESSAGES } from '../errors.ts'
export { ItemsApiError }
