/**
 * The management API's OpenAPI 3.1 document (moopanel-api.md §7.1), generated from the route table:
 * every route's parameters, payload, answers and errors, the pipeline errors of §3.8 on every
 * operation, and the callbacks of §6 as `webhooks`.
 */
import { CALLBACK_SPECS } from '../callbacks/callback-schemas.ts'
import { PIPELINE_ERRORS } from '../error-mapper.ts'
import type { Field, Route } from '../route-types.ts'
import {
  CORE_UPDATE_INFO, ERROR_BODY, ID_VALUE, INTERNAL_ERROR_BODY, NULLABLE_ID_VALUE, RAW_ROW, UPDATE_INFO, UPGRADE_LOG_ROW, type JsonSchema,
} from '../schemas.ts'

/** Shared schemas, published once under components/schemas and referred to wherever they are used. */
const NAMED: ReadonlyArray<readonly [string, JsonSchema]> = [
  ['IdValue', ID_VALUE], ['NullableIdValue', NULLABLE_ID_VALUE], ['RawRow', RAW_ROW],
  ['UpdateInfo', UPDATE_INFO], ['CoreUpdateInfo', CORE_UPDATE_INFO], ['UpgradeLogRow', UPGRADE_LOG_ROW],
]

/** Where the API lives below the Moodle site URL (any prefix before it is ignored, §3.1). */
export const API_BASE = '/local/moopanel/server.php'

const ERROR_REF = { $ref: '#/components/schemas/Error' }
const STRING_HEADER = { schema: { type: 'string' } }
const REQUEST_ID_HEADER = { 'X-Request-Id': { description: 'the request id (§7.2)', ...STRING_HEADER } }
const RETRY_AFTER = { 'Retry-After': { description: 'whole seconds', ...STRING_HEADER } }

const DESCRIPTION = [
  'The MooPanel-compatible management API of moodle-bridge (moopanel-api.md).',
  '',
  'Paths are relative to `<any prefix>/local/moopanel/server.php`: runs of `/` collapse, a trailing `/` is ignored,',
  'segments are percent-decoded; a request with no endpoint segment is `test_connection`. Endpoints without',
  'listed sub-paths ignore any sub-path. Every request is checked in this order (§3.3): `api_enabled` (423),',
  'lock-out (429), `X-API-KEY` (401), expiry (401), IP allow-list (403), endpoint (404 `{"error":"Endpoint \'<name>\' not found."}`),',
  'method (405 with `Allow`), body (POST, PUT, DELETE: 415, 413, 400),',
  "then the endpoint's own checks. A path outside the API answers 404 `{\"error\":\"Not found.\"}`.",
  'Request bodies are `{"data":{…}}`; the fields below are those of `data`. Every answer is a JSON object',
  '(`HEAD` is never allowed); error bodies are `{"error":"<message>"}`.',
].join('\n')

/** The document as a plain object. */
export function buildDocument(routes: readonly Route[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of routes) {
    for (const path of pathsOf(route)) {
      const item = (paths[path] ??= {})
      item[route.method.toLowerCase()] = operation(route, path)
    }
  }
  return withRefs({
    openapi: '3.1.0',
    info: {
      title: 'moodle-bridge management API (MooPanel-compatible)',
      version: '1.0.0',
      description: DESCRIPTION,
      license: { name: 'GPL-3.0-or-later', identifier: 'GPL-3.0-or-later' },
    },
    servers: [{ url: API_BASE, description: 'below the Moodle site URL, e.g. https://moodle.example.org/local/moopanel/server.php' }],
    security: [{ apiKey: [] }],
    paths,
    webhooks: webhooks(),
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-KEY', description: 'the configured API key, compared byte for byte (§3.4)' },
      },
      schemas: { Error: ERROR_BODY, InternalError: INTERNAL_ERROR_BODY, ...Object.fromEntries(NAMED) },
      responses: {
        UnknownEndpoint: errorResponse([PIPELINE_ERRORS.unknownEndpoint[1]], 'Unknown endpoint (or, for tasks, sub-path)'),
        MethodNotAllowed: {
          ...errorResponse([PIPELINE_ERRORS.methodNotAllowed[1]], 'Method not allowed for the endpoint'),
          headers: { ...REQUEST_ID_HEADER, Allow: { description: 'the allowed methods, e.g. `GET, POST`', ...STRING_HEADER } },
        },
        NotFound: errorResponse([PIPELINE_ERRORS.notFound[1]], 'Path outside the API route'),
      },
    },
  })
}

/** A copy in which every use of a named schema (the very object) is a `$ref` to its component. */
function withRefs<T>(doc: T): T {
  const names = new Map<unknown, string>(NAMED.map(([name, schema]) => [schema, name]))
  const walk = (value: unknown, root = false): unknown => {
    const name = root ? undefined : names.get(value)
    if (name !== undefined) return { $ref: `#/components/schemas/${name}` }
    if (Array.isArray(value)) return value.map((v) => walk(v))
    if (value === null || typeof value !== 'object') return value
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]))
  }
  const out = walk(doc) as { components: { schemas: Record<string, unknown> } }
  for (const [name, schema] of NAMED) out.components.schemas[name] = walk(schema, true)
  return out as T
}

/** `/users/count` for an exact sub-path, `/users` for any; the root is also `test_connection`. */
function pathsOf(route: Route): string[] {
  const base = route.subPath === '*' || route.subPath === '' ? `/${route.endpoint}` : `/${route.endpoint}/${route.subPath}`
  return route.endpoint === 'test_connection' ? ['/', base] : [base]
}

function operation(route: Route, path: string): Record<string, unknown> {
  const name = path === '/' ? 'root' : path.slice(1).replace(/[^A-Za-z0-9]+/g, '_')
  const anySubPath = route.subPath === '*' ? ' Any sub-path not listed separately is the same operation.' : ''
  return {
    operationId: `${route.method.toLowerCase()}_${name}`,
    ...(route.subPath === '*' && { 'x-any-sub-path': true }),
    summary: route.summary,
    description: `moopanel-api.md §${route.section}.${anySubPath}${route.async ? ' Asynchronous: see §5.3 for idempotent replays and 503 refusals.' : ''}`,
    ...(route.query?.length && { parameters: route.query.map(parameter) }),
    ...(route.body && { requestBody: requestBody(route.body) }),
    responses: responses(route),
  }
}

function parameter(field: Field): Record<string, unknown> {
  return {
    name: field.name,
    in: 'query',
    required: field.required === true,
    schema: field.schema,
    ...(field.description && { description: field.description }),
    ...(field.check && { 'x-error': field.check.message }),
  }
}

function requestBody(fields: readonly Field[]): Record<string, unknown> {
  const data: JsonSchema = {
    type: 'object',
    description: 'the payload; unknown keys are ignored',
    properties: Object.fromEntries(fields.map((f) => [f.name, describe(f)])),
    required: fields.filter((f) => f.required).map((f) => f.name),
  }
  return {
    required: true,
    description: 'UTF-8 JSON, `Content-Type: application/json` or none; any other shape than `{"data":{…}}` is an empty payload',
    content: { 'application/json': { schema: { type: 'object', properties: { data: data }, required: ['data'] } } },
  }
}

function describe(field: Field): JsonSchema {
  const notes = [field.description, field.check && `error: ${field.check.message}`].filter(Boolean).join('; ')
  return notes ? { ...field.schema, description: notes } : field.schema
}

/** The route's answers, its own errors and the pipeline errors, by status. */
function responses(route: Route): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const answer of route.answers) {
    const media = answer.media === 'yaml' ? 'application/yaml' : 'application/json'
    out[String(answer.status)] = {
      description: answer.description,
      headers: { ...REQUEST_ID_HEADER, ...(route.async && { 'X-Idempotent-Replay': { description: '`true` on a replay (§5.3)', ...STRING_HEADER } }) },
      content: { [media]: { schema: answer.schema } },
    }
  }
  const messages = new Map<number, string[]>()
  const add = (status: number, message: string) => {
    const list = messages.get(status) ?? []
    if (!list.includes(message)) list.push(message)
    messages.set(status, list)
  }
  for (const field of [...(route.query ?? []), ...(route.body ?? [])]) if (field.check) add(400, field.check.message)
  for (const [status, message] of route.errors ?? []) add(status, message)
  if (route.async) add(503, 'Service Unavailable - try again later.')
  const pipeline = ['badRequest', 'keyRequired', 'keyFailed', 'keyExpired', 'ipRefused', 'disabled', 'lockedOut'] as const
  const bodyErrors = route.method === 'GET' ? [] : (['invalidJson', 'tooLarge', 'unsupportedType'] as const)
  for (const name of [...pipeline, ...bodyErrors]) add(PIPELINE_ERRORS[name][0], PIPELINE_ERRORS[name][1])
  for (const status of [...messages.keys()].sort((a, b) => a - b)) {
    const response = errorResponse(messages.get(status)!, 'Error')
    if (status === 429 || status === 503) response['headers'] = { ...REQUEST_ID_HEADER, ...RETRY_AFTER }
    out[String(status)] = response
  }
  out['500'] = {
    description: 'Unexpected failure: `{"error":"Internal server error.","request_id":"<id>"}`',
    headers: REQUEST_ID_HEADER,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/InternalError' } } },
  }
  return out
}

function errorResponse(messages: string[], what: string): Record<string, unknown> {
  return {
    description: `${what}: ${messages.map((m) => `\`${m}\``).join(', ')}`,
    headers: REQUEST_ID_HEADER,
    content: { 'application/json': { schema: ERROR_REF } },
  }
}

/** §6: the callbacks the service sends to MooPanel. */
function webhooks(): Record<string, unknown> {
  return Object.fromEntries(
    CALLBACK_SPECS.map((c) => [
      c.name,
      {
        post: {
          operationId: `callback_${c.name}`,
          summary: c.summary,
          description: `POST <moopanel_url>${c.path} (moopanel-api.md §${c.section}), with the API key in \`X-API-KEY\`; any 2xx accepts, 408, 429 and 5xx are retried (§6.1).`,
          requestBody: { required: true, content: { [c.media]: { schema: c.schema } } },
          responses: { '200': { description: 'Accepted (any 2xx)' } },
        },
      },
    ]),
  )
}
