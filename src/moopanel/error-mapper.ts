/**
 * The management API's error answers in one place: the pipeline errors of moopanel-api.md §3.8
 * (their catalogue codes; status and exact text are the catalogue's), and the mapping of a failed request check (a route's query parameter or
 * payload field, see route-types.ts) to the exact 400 body its endpoint section gives.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import { formatMessage, moopanelCodeOfMessage, moopanelWire, type MessageParams, type MoopanelCode } from '../shared/error-catalogue.ts'
import { errorReply, type Reply } from './context.ts'
import type { Field, Route } from './route-types.ts'
import type { JsonSchema } from './schemas.ts'

/** §3.8: every pipeline error, by the name the pipeline and read-body.ts use, with its catalogue code. */
export const PIPELINE_CODES = {
  badRequest: 'MB_BAD_REQUEST',
  invalidJson: 'MB_INVALID_JSON',
  keyRequired: 'MB_KEY_REQUIRED',
  keyFailed: 'MB_KEY_FAILED',
  keyExpired: 'MB_KEY_EXPIRED',
  ipRefused: 'MB_IP_REFUSED',
  notFound: 'MB_NOT_FOUND',
  unknownEndpoint: 'MB_UNKNOWN_ENDPOINT',
  methodNotAllowed: 'MB_METHOD_NOT_ALLOWED',
  tooLarge: 'MB_BODY_TOO_LARGE',
  unsupportedType: 'MB_UNSUPPORTED_MEDIA_TYPE',
  disabled: 'MB_API_DISABLED',
  lockedOut: 'MB_LOCKED_OUT',
  internal: 'MB_INTERNAL',
} as const satisfies Record<string, MoopanelCode>

export type PipelineError = keyof typeof PIPELINE_CODES

/** The pipeline errors as [status, message template], read from the catalogue (for the OpenAPI document). */
export const PIPELINE_ERRORS = Object.fromEntries(
  Object.entries(PIPELINE_CODES).map(([name, code]) => [name, errorTuple(code)]),
) as Record<PipelineError, readonly [number, string]>

/** A route's declared error: [status, message template] of a catalogue code (route-types.ts `errors`). */
export function errorTuple(code: MoopanelCode): readonly [number, string] {
  const { status, message } = moopanelWire(code)
  return [status, message]
}

/** The §3.5/§3.8 answer of a pipeline error. */
export function pipelineError(name: Exclude<PipelineError, 'unknownEndpoint' | 'internal'>): Reply {
  return errorReply(PIPELINE_CODES[name])
}

/** 404 for an unknown endpoint: the decoded name, cut to 100 code points (JSON escaping is the serialiser's). */
export function unknownEndpoint(name: string): Reply {
  return errorReply('MB_UNKNOWN_ENDPOINT', { name: [...name].slice(0, 100).join('') })
}

/** 405 with the endpoint's `Allow` list. */
export function methodNotAllowed(allow: readonly string[]): Reply {
  return { ...pipelineError('methodNotAllowed'), headers: { allow: allow.join(', ') } }
}

/** Many sites: the site is out of service for `retryAfterS` (MB_SITE_UNAVAILABLE, answered with MB_SERVICE_BUSY's body). */
export function siteUnavailable(retryAfterS: number): Reply {
  return { ...errorReply('MB_SERVICE_BUSY'), headers: { 'retry-after': String(retryAfterS) } }
}

/** The 500 answer, with the request id. */
export function internalError(requestId: string): Reply {
  return { status: 500, body: { error: moopanelWire('MB_INTERNAL').message, request_id: requestId }, errorCode: 'MB_INTERNAL' }
}

/** A request check (route-types.ts `Field.check`) that answers with a catalogue code. */
export interface CodedCheck {
  code: MoopanelCode
  params?: MessageParams
  message: string
  schema?: JsonSchema
}

/** The `check` of a field that answers 400 with `code` (its message read from the catalogue). */
export function fieldCheck(code: MoopanelCode, options: { params?: MessageParams; schema?: JsonSchema } = {}): CodedCheck {
  const check: CodedCheck = { code, message: formatMessage(moopanelWire(code).message, options.params) }
  if (options.params) check.params = options.params
  if (options.schema) check.schema = options.schema
  return check
}

/** A check built with fieldCheck, or a plain `{ message }` whose message is a catalogue message (found by it). */
function codedCheck(check: NonNullable<Field['check']>): CodedCheck {
  if ((check as Partial<CodedCheck>).code !== undefined) return check as CodedCheck
  const code = moopanelCodeOfMessage(check.message)
  if (code === undefined) throw new Error(`request check whose message is not in the error catalogue: ${check.message}`)
  return { ...check, code }
}

const ajv = new Ajv2020({ strict: false, allErrors: false })
const compiled = new WeakMap<JsonSchema, ValidateFunction>()

function validator(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema)
  if (!validate) compiled.set(schema, (validate = ajv.compile(schema)))
  return validate
}

/** The first failing check of `fields`, in order; null when all checked fields pass. */
function firstFailure(fields: readonly Field[] | undefined, valueOf: (name: string) => unknown): CodedCheck | null {
  for (const field of fields ?? []) {
    if (!field.check) break
    const value = valueOf(field.name)
    if (value === undefined) {
      if (field.required) return codedCheck(field.check)
      continue
    }
    if (!validator(field.check.schema ?? field.schema)(value)) return codedCheck(field.check)
  }
  return null
}

/**
 * The route's request checks (query parameters, then payload fields), answered as the endpoint's
 * section says: 400 with the field's own message. A query parameter counts only when given (§3.6:
 * present with a non-empty value); a payload field when its key is present.
 */
export function checkRequest(route: Route, query: Map<string, string>, payload: Record<string, unknown>): Reply | null {
  const failed =
    firstFailure(route.query, (name) => {
      const value = query.get(name)
      return value === '' ? undefined : value
    }) ?? firstFailure(route.body, (name) => (Object.hasOwn(payload, name) ? payload[name] : undefined))
  return failed === null ? null : errorReply(failed.code, failed.params)
}

/**
 * Checked fields must come first: a check after an unchecked field would change the order of §4's
 * tables; every check answers with a catalogue code (built with fieldCheck).
 */
export function assertCheckOrder(routes: readonly Route[]): void {
  for (const route of routes) {
    for (const fields of [route.query, route.body]) {
      for (const field of fields ?? []) if (field.check) codedCheck(field.check)
      const first = (fields ?? []).findIndex((f) => !f.check)
      if (first !== -1 && (fields ?? []).slice(first).some((f) => f.check)) {
        throw new Error(`${route.method} /${route.endpoint}: checked fields must precede the handler's`)
      }
    }
  }
}
