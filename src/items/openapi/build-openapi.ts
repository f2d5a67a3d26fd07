import { codePointCompare } from '../messages.ts'
import type { ItemTypeRegistry } from '../item-types/registry.ts'
import type { ExtensionRoute } from '../extensions/extension-routes.ts'
import { itemTypeSchemas } from './item-schemas.ts'
import { itemsRouteTable, type OperationDoc } from '../http/route-table.ts'
import { sharedComponents, STANDARD_HEADERS } from './shared-components.ts'

/** What the document depends on besides the registry (§16.5). */
export interface OpenApiInputs {
  version: string
  serverUrl: string
  /** `MoodleSession` plus the `sessioncookie` suffix from items_moodle_config. */
  sessionCookie: string
}

const DESCRIPTION =
  'Typed CRUD over registered item types, compatible with the MIDDAG REST API. Successful responses are ' +
  '{"success": true, "data": …} envelopes (lists add "meta"); errors are {"success": false, "error": true, "code", ' +
  '"reason", "message"} envelopes, with "errors" and "violations" for validation failures. Authenticate with a JWT ' +
  'or a Moodle web service token (Authorization header or wstoken query parameter) or a Moodle session cookie ' +
  '(unsafe methods then need the sesskey). While the setting mdg_core_api_enabled is off every request is ' +
  'answered 403 api_disabled.'

const r = (name: string) => ({ $ref: `#/components/responses/${name}` })
const p = (name: string) => ({ $ref: `#/components/parameters/${name}` })
const s = (name: string) => ({ $ref: `#/components/schemas/${name}` })

type Param = { ref?: string; in: string; name: string; value: unknown }
const PARAM_INFO: Record<string, { in: string; name: string }> = {
  ItemId: { in: 'path', name: 'id' }, TypeQuery: { in: 'query', name: 'type' }, ListType: { in: 'query', name: 'type' },
  Page: { in: 'query', name: 'page' }, PerPage: { in: 'query', name: 'perpage' }, Filters: { in: 'query', name: 'filters' },
  Sort: { in: 'query', name: 'sort' }, Fields: { in: 'query', name: 'fields' }, IfMatch: { in: 'header', name: 'If-Match' },
  IfNoneMatch: { in: 'header', name: 'If-None-Match' }, Prefer: { in: 'header', name: 'Prefer' },
  SesskeyHeader: { in: 'header', name: 'X-Sesskey' }, SesskeyQuery: { in: 'query', name: 'sesskey' },
}

/** Parameters sorted by `in`, then `name` (§16.5). */
function sortParams(params: Param[]): unknown[] {
  return [...params].sort((a, b) => codePointCompare(a.in, b.in) || codePointCompare(a.name, b.name)).map((x) => x.value)
}
const refs = (...names: string[]): Param[] => names.map((n) => ({ ...PARAM_INFO[n]!, value: p(n) }))
const responses = (map: Record<string, string>) => Object.fromEntries(Object.entries(map).map(([status, name]) => [status, r(name)]))
const ERRORS: Record<string, string> = {
  '400': 'BadRequest', '401': 'Unauthorized', '403': 'Forbidden', '404': 'NotFound', '405': 'MethodNotAllowed',
  '409': 'Conflict', '412': 'PreconditionFailed', '413': 'PayloadTooLarge', '415': 'UnsupportedMediaType',
  '422': 'ValidationFailed', '428': 'PreconditionRequired', '429': 'TooManyRequests', '500': 'ServerError', '503': 'Unavailable',
}
const errors = (...codes: string[]) => Object.fromEntries(codes.map((c) => [c, ERRORS[c]!]))

/** The OpenAPI 3.1 document of the Items API (§16), as a plain object (serialise with sorted keys). */
export function buildOpenApi(registry: ItemTypeRegistry, inputs: OpenApiInputs): Record<string, unknown> {
  const typeNames = [...registry.types.keys()].sort(codePointCompare)
  const shared = sharedComponents(typeNames, inputs.sessionCookie)
  const schemas: Record<string, unknown> = { ...shared.schemas, ...itemTypeSchemas([...registry.types.values()]) }
  const componentResponses: Record<string, unknown> = { ...shared.responses }
  const paths: Record<string, Record<string, unknown>> = {}
  // One operation per documented entry of the route table, in its order; paths are relative to the server URL (M/api/v1).
  for (const route of itemsRouteTable(registry.routes)) {
    let operation: Record<string, unknown>
    if (route.extension) {
      const built = extensionOperation(route.extension)
      Object.assign(schemas, built.components.schemas)
      Object.assign(componentResponses, built.components.responses)
      operation = built.operation
    } else if (route.doc) {
      operation = builtinOperation(route.doc)
    } else continue
    ;(paths[route.path.slice('/v1'.length)] ??= {})[route.method.toLowerCase()] = operation
  }
  const tags = [
    { name: 'items', description: 'Items of every registered type.' },
    ...registry.extensions.filter((e) => e.hasRoutes).map((e) => ({ name: e.name, description: `Routes of the ${e.name} extension.` })),
  ]
  for (const route of registry.routes) for (const t of route.tags) if (!tags.some((x) => x.name === t)) tags.push({ name: t, description: `Routes tagged ${t}.` })
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: { title: 'moodle-bridge Items API', version: inputs.version, description: DESCRIPTION },
    servers: [{ url: inputs.serverUrl }],
    security: [{ bearerAuth: [] }, { wsTokenHeader: [] }, { wsTokenQuery: [] }, { moodleSession: [] }],
    tags: tags.sort((a, b) => codePointCompare(a.name, b.name)),
    paths,
    components: {
      securitySchemes: shared.securitySchemes,
      parameters: shared.parameters,
      headers: shared.headers,
      responses: componentResponses,
      schemas,
    },
  }
}

/** The operation of a built-in route, from its entry in the route table. */
function builtinOperation(doc: OperationDoc): Record<string, unknown> {
  return {
    operationId: doc.operationId,
    tags: ['items'],
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    parameters: sortParams(refs(...doc.parameters)),
    ...(doc.requestBody ? { requestBody: { required: true, content: { 'application/json': { schema: s(doc.requestBody) } } } } : {}),
    responses: responses({ ...doc.responses, ...errors(...doc.errors.map(String)) }),
  }
}

function extensionOperation(route: ExtensionRoute): { operation: Record<string, unknown>; components: { schemas: Record<string, unknown>; responses: Record<string, unknown> } } {
  const def = route.def
  const op = route.operationId
  const schemas: Record<string, unknown> = {}
  const componentResponses: Record<string, unknown> = {}
  const params: Param[] = []
  const paramsSchema = def.request?.params as Record<string, any> | undefined
  const querySchema = def.request?.query as Record<string, any> | undefined
  if (paramsSchema) {
    schemas[`${op}Params`] = paramsSchema
    for (const [name] of Object.entries(paramsSchema.properties ?? {})) {
      params.push({ in: 'path', name, value: { name, in: 'path', required: true, schema: { $ref: `#/components/schemas/${op}Params/properties/${name}` } } })
    }
  }
  if (querySchema) {
    schemas[`${op}Query`] = querySchema
    const required = new Set<string>(querySchema.required ?? [])
    for (const [name] of Object.entries(querySchema.properties ?? {})) {
      params.push({ in: 'query', name, value: { name, in: 'query', required: required.has(name), schema: { $ref: `#/components/schemas/${op}Query/properties/${name}` } } })
    }
  }
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(route.method)
  if (hasBody) params.push(...refs('SesskeyHeader', 'SesskeyQuery'))
  if (def.request?.body !== undefined) schemas[`${op}Body`] = def.request.body
  const success: Record<string, unknown> = {}
  for (const [status, spec] of Object.entries(def.responses)) {
    const name = `${op}Response${status}`
    if (status === '204') {
      componentResponses[name] = { description: spec!.description, headers: STANDARD_HEADERS }
    } else {
      schemas[name] = {
        type: 'object',
        required: ['success', 'data'],
        properties: { success: { const: true }, data: spec!.data ?? {}, ...(spec!.meta ? { meta: spec!.meta } : {}) },
      }
      componentResponses[name] = { description: spec!.description, headers: STANDARD_HEADERS, content: { 'application/json': { schema: s(name) } } }
    }
    success[status] = r(name)
  }
  const codes = [
    ...(paramsSchema || querySchema ? ['400'] : []),
    ...(route.public ? [] : ['401', '403']),
    ...(route.segments.some((x) => 'param' in x) ? ['404'] : []),
    ...(hasBody ? ['413', '415', '422'] : []),
    '429', '500', '503',
  ]
  const operation: Record<string, unknown> = {
    operationId: op,
    tags: [...route.tags].sort(codePointCompare),
    summary: def.summary,
    ...(def.description ? { description: def.description } : {}),
    ...(params.length > 0 ? { parameters: sortParams(params) } : {}),
    ...(hasBody
      ? { requestBody: { required: def.request?.body !== undefined, content: { 'application/json': { schema: def.request?.body !== undefined ? s(`${op}Body`) : { type: 'object' } } } } }
      : {}),
    responses: { ...success, ...responses(errors(...codes)) },
    ...(route.public ? { security: [] } : {}),
  }
  return { operation, components: { schemas, responses: componentResponses } }
}
