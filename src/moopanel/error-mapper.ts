/**
 * The management API's error answers in one place: the pipeline errors of moopanel-api.md §3.8
 * (status and exact text), and the mapping of a failed request check (a route's query parameter or
 * payload field, see route-types.ts) to the exact 400 body its endpoint section gives.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import { errorReply, type Reply } from './context.ts'
import type { Field, Route } from './route-types.ts'
import type { JsonSchema } from './schemas.ts'

/** §3.8: every pipeline error, by name. */
export const PIPELINE_ERRORS = {
  badRequest: [400, 'Bad request.'],
  invalidJson: [400, 'Invalid JSON body.'],
  keyRequired: [401, 'Authorization key required.'],
  keyFailed: [401, 'Authorization failed.'],
  keyExpired: [401, 'API key expired.'],
  ipRefused: [403, 'IP address not allowed.'],
  notFound: [404, 'Not found.'],
  unknownEndpoint: [404, "Endpoint '<name>' not found."],
  methodNotAllowed: [405, 'Method not allowed.'],
  tooLarge: [413, 'Request body too large.'],
  unsupportedType: [415, 'Unsupported content type.'],
  disabled: [423, 'API is disabled.'],
  lockedOut: [429, 'Too many failed authorization attempts.'],
  internal: [500, 'Internal server error.'],
} as const satisfies Record<string, readonly [number, string]>

export type PipelineError = keyof typeof PIPELINE_ERRORS

/** The §3.5/§3.8 answer of a pipeline error. */
export function pipelineError(name: Exclude<PipelineError, 'unknownEndpoint' | 'internal'>): Reply {
  const [status, message] = PIPELINE_ERRORS[name]
  return errorReply(status, message)
}

/** 404 for an unknown endpoint: the decoded name, cut to 100 code points (JSON escaping is the serialiser's). */
export function unknownEndpoint(name: string): Reply {
  return errorReply(404, `Endpoint '${[...name].slice(0, 100).join('')}' not found.`)
}

/** 405 with the endpoint's `Allow` list. */
export function methodNotAllowed(allow: readonly string[]): Reply {
  return { ...pipelineError('methodNotAllowed'), headers: { allow: allow.join(', ') } }
}

/** The 500 answer, with the request id. */
export function internalError(requestId: string): Reply {
  return { status: 500, body: { error: PIPELINE_ERRORS.internal[1], request_id: requestId } }
}

const ajv = new Ajv2020({ strict: false, allErrors: false })
const compiled = new WeakMap<JsonSchema, ValidateFunction>()

function validator(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema)
  if (!validate) compiled.set(schema, (validate = ajv.compile(schema)))
  return validate
}

/** The first failing check of `fields`, in order: its message; null when all checked fields pass. */
function firstFailure(fields: readonly Field[] | undefined, valueOf: (name: string) => unknown): string | null {
  for (const field of fields ?? []) {
    if (!field.check) break
    const value = valueOf(field.name)
    if (value === undefined) {
      if (field.required) return field.check.message
      continue
    }
    if (!validator(field.check.schema ?? field.schema)(value)) return field.check.message
  }
  return null
}

/**
 * The route's request checks (query parameters, then payload fields), answered as the endpoint's
 * section says: 400 with the field's own message. A query parameter counts only when given (§3.6:
 * present with a non-empty value); a payload field when its key is present.
 */
export function checkRequest(route: Route, query: Map<string, string>, payload: Record<string, unknown>): Reply | null {
  const message =
    firstFailure(route.query, (name) => {
      const value = query.get(name)
      return value === '' ? undefined : value
    }) ?? firstFailure(route.body, (name) => (Object.hasOwn(payload, name) ? payload[name] : undefined))
  return message === null ? null : errorReply(400, message)
}

/** Checked fields must come first: a check after an unchecked field would change the order of §4's tables. */
export function assertCheckOrder(routes: readonly Route[]): void {
  for (const route of routes) {
    for (const fields of [route.query, route.body]) {
      const first = (fields ?? []).findIndex((f) => !f.check)
      if (first !== -1 && (fields ?? []).slice(first).some((f) => f.check)) {
        throw new Error(`${route.method} /${route.endpoint}: checked fields must precede the handler's`)
      }
    }
  }
}
