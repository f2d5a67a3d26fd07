import { MAX_ID } from '../item-types/core-fields.ts'
import type { ExtensionRoute } from '../extensions/extension-routes.ts'
import type { ItemsApi } from '../items-api.ts'
import type { Caller } from '../operations/items-core.ts'
import type { AuthenticatedUser } from '../public-api.ts'
import { createRoute, deleteRoute, getRoute, listRoute, updateRoute, type ParsedRequest } from '../routes/item-routes.ts'
import { extensionRoute } from '../routes/extension-route.ts'
import { docsAssetRoute, docsPageRoute, openapiRoute } from '../routes/openapi-routes.ts'
import { itemsServiceFor } from '../operations/items-service.ts'
import type { Reply } from './reply.ts'

/** Methods a route may declare; `HEAD` comes with `GET`, `OPTIONS` is answered for every known path (§8.8). */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/**
 * Who may call a route (§3 step 6): an authenticated caller, anybody, or anybody while
 * `mdg_core_api_openapi_public` is on (the OpenAPI documents).
 */
export type RouteAuth = 'caller' | 'public' | 'openapi'

/** An operation of the OpenAPI document (§16): what build-openapi.ts turns into `paths[path][method]`. */
export interface OperationDoc {
  operationId: string
  summary: string
  description?: string
  /** Names of `components.parameters`, in any order (the document sorts them, §16.5). */
  parameters: string[]
  /** Name of the `components.schemas` entry of the JSON body. */
  requestBody?: string
  /** Success status → name of its `components.responses` entry. */
  responses: Record<string, string>
  /** Error statuses the operation documents (each maps to its response in build-openapi.ts). */
  errors: number[]
}

/** What a handler receives once the hook chain has run (§3 steps 2–10). */
export interface RouteCall {
  request: ParsedRequest
  /** Path parameters, percent-decoded (and, on extension routes, validated and coerced by Fastify). */
  params: Record<string, unknown>
  /** The query as extension handlers see it, validated and coerced by Fastify (extension routes only). */
  query: Record<string, unknown>
  caller: Caller | null
  /** The caller as extension handlers see it (extension routes only). */
  user: AuthenticatedUser | null
  requestId: string
  log: import('fastify').FastifyBaseLogger
}

/** One endpoint of the Items API, declared once: routing, hooks, handler and OpenAPI all read it. */
export interface ItemsRoute {
  method: RouteMethod
  /** Under `M/api`, parameters as `{name}`: `/v1/items/{id}`. */
  path: string
  auth: RouteAuth
  /**
   * Rules on the raw (still percent-encoded) path segment of each parameter. A segment that fails its
   * rule makes the path unknown (404 `route_not_found`, before authentication, §4.2), not invalid.
   */
  segmentRules?: Record<string, (segment: string) => boolean>
  /** JSON Schemas of path parameters and query string, validated by Fastify (Ajv) before the handler. */
  schema?: { params?: object; querystring?: object }
  /** Capabilities checked after authentication, before validation (extension routes, §15.3). */
  capabilities?: string[]
  /** The operation in the OpenAPI document; absent for the documents and the docs page. */
  doc?: OperationDoc
  /** The extension route this entry serves (its OpenAPI operation is built from its definition). */
  extension?: ExtensionRoute
  handle(api: ItemsApi, call: RouteCall): Promise<Reply> | Reply
}

const ID = /^[1-9][0-9]{0,15}$/
const ASSET = /^[A-Za-z0-9._-]+$/
/** An item id of §4.2: no sign, no leading zero, within the safe integer range. */
const isItemId = (segment: string) => ID.test(segment) && Number(segment) <= MAX_ID
const ITEM_ID = { id: isItemId }
const UNSAFE = ['SesskeyHeader', 'SesskeyQuery']
const READ_ERRORS = [400, 401, 403, 404, 429, 500, 503]
const UPDATE_ERRORS = [400, 401, 403, 404, 405, 412, 413, 415, 422, 428, 429, 500, 503]
const UPDATE_DESCRIPTION = 'Keys absent from the body are left unchanged; null clears a nullable field or removes a metadata key.'

const itemId = (call: RouteCall) => Number(call.params.id)

/** The built-in endpoints (§1.2) and the docs page, in the order of §8. */
export const BUILTIN_ROUTES: readonly ItemsRoute[] = [
  {
    method: 'GET', path: '/v1/items', auth: 'caller',
    doc: {
      operationId: 'listItems', summary: 'List items',
      description: 'Filter, sort, select fields and paginate items of one type, or of every readable stored type.',
      parameters: ['ListType', 'Page', 'PerPage', 'Filters', 'Sort', 'Fields'],
      responses: { '200': 'ItemList' }, errors: [400, 401, 403, 429, 500, 503],
    },
    handle: (api, call) => listRoute(api.core, call.caller!, call.request),
  },
  {
    method: 'POST', path: '/v1/items', auth: 'caller',
    doc: {
      operationId: 'createItem', summary: 'Create an item', parameters: UNSAFE, requestBody: 'ItemCreate',
      responses: { '201': 'ItemCreated' }, errors: [400, 401, 403, 405, 413, 415, 422, 429, 500, 503],
    },
    handle: (api, call) => createRoute(api.core, call.caller!, call.request, (id) => `${api.options.mountPath}/api/v1/items/${id}`),
  },
  {
    method: 'GET', path: '/v1/items/{id}', auth: 'caller', segmentRules: ITEM_ID,
    doc: {
      operationId: 'getItem', summary: 'Read an item', parameters: ['ItemId', 'TypeQuery', 'Fields', 'IfNoneMatch'],
      responses: { '200': 'ItemOk', '304': 'NotModified' }, errors: READ_ERRORS,
    },
    handle: (api, call) => getRoute(api.core, call.caller!, call.request, itemId(call), false),
  },
  {
    method: 'PUT', path: '/v1/items/{id}', auth: 'caller', segmentRules: ITEM_ID,
    doc: {
      operationId: 'updateItem', summary: 'Partially update an item', description: UPDATE_DESCRIPTION,
      parameters: ['ItemId', 'TypeQuery', 'IfMatch', ...UNSAFE], requestBody: 'ItemUpdate', responses: { '200': 'ItemOk' }, errors: UPDATE_ERRORS,
    },
    handle: (api, call) => updateRoute(api.core, call.caller!, call.request, itemId(call)),
  },
  {
    method: 'PATCH', path: '/v1/items/{id}', auth: 'caller', segmentRules: ITEM_ID,
    doc: {
      operationId: 'patchItem', summary: 'Partially update an item (same as PUT)', description: UPDATE_DESCRIPTION,
      parameters: ['ItemId', 'TypeQuery', 'IfMatch', ...UNSAFE], requestBody: 'ItemUpdate', responses: { '200': 'ItemOk' }, errors: UPDATE_ERRORS,
    },
    handle: (api, call) => updateRoute(api.core, call.caller!, call.request, itemId(call)),
  },
  {
    method: 'DELETE', path: '/v1/items/{id}', auth: 'caller', segmentRules: ITEM_ID,
    doc: {
      operationId: 'deleteItem', summary: 'Delete an item and its metadata', parameters: ['ItemId', 'TypeQuery', 'IfMatch', 'Prefer', ...UNSAFE],
      responses: { '200': 'Deleted', '204': 'DeletedMinimal' }, errors: [400, 401, 403, 404, 405, 409, 412, 428, 429, 500, 503],
    },
    handle: (api, call) => deleteRoute(api.core, call.caller!, call.request, itemId(call)),
  },
  {
    method: 'GET', path: '/v1/items/{id}/metadata', auth: 'caller', segmentRules: ITEM_ID,
    doc: {
      operationId: 'getItemMetadata', summary: "Read an item's metadata", parameters: ['ItemId', 'TypeQuery', 'IfNoneMatch'],
      responses: { '200': 'MetadataOk', '304': 'NotModified' }, errors: READ_ERRORS,
    },
    handle: (api, call) => getRoute(api.core, call.caller!, call.request, itemId(call), true),
  },
  { method: 'GET', path: '/openapi.json', auth: 'openapi', handle: (api, call) => openapiRoute(api.openapi, 'json', call.request) },
  { method: 'GET', path: '/openapi.yaml', auth: 'openapi', handle: (api, call) => openapiRoute(api.openapi, 'yaml', call.request) },
  { method: 'GET', path: '/docs', auth: 'public', handle: (api) => docsPageRoute(api.options.mountPath) },
  {
    method: 'GET', path: '/docs/{asset}', auth: 'public', segmentRules: { asset: (s) => ASSET.test(s) },
    handle: (api, call) => docsAssetRoute(String(call.params.asset), api.options.mountPath),
  },
]

/** The table entry of an extension route (§15.3): path under `/v1`, its schemas, auth and capabilities. */
export function extensionTableRoute(route: ExtensionRoute): ItemsRoute {
  return {
    method: route.method,
    path: `/v1${route.path}`,
    auth: route.public ? 'public' : 'caller',
    schema: {
      ...(route.def.request?.params !== undefined ? { params: route.def.request.params as object } : {}),
      ...(route.def.request?.query !== undefined ? { querystring: route.def.request.query as object } : {}),
    },
    capabilities: route.capabilities,
    extension: route,
    handle: (api, call) =>
      extensionRoute(api.core, route, call.params, call.query, call.request, {
        caller: call.caller, user: call.user, items: itemsServiceFor(api.core, call.caller), ip: call.caller?.ip ?? '', requestId: call.requestId, log: call.log,
      }),
  }
}

/** The whole table: built-in routes, then every extension route registered at start (§15). */
export function itemsRouteTable(extensionRoutes: readonly ExtensionRoute[]): ItemsRoute[] {
  return [...BUILTIN_ROUTES, ...extensionRoutes.map(extensionTableRoute)]
}

type Segment = { literal: string } | { param: string }

function segmentsOf(path: string): Segment[] {
  return path
    .slice(1)
    .split('/')
    .map((s) => (s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : { literal: s }))
}

/** The route's path as Fastify spells it: `/v1/items/:id`. */
export function fastifyPath(route: ItemsRoute): string {
  return `/${segmentsOf(route.path).map((s) => ('param' in s ? `:${s.param}` : s.literal)).join('/')}`
}

/**
 * The route's parameters when `path` (under `M/api`, raw, one trailing slash ignored) is one of its
 * paths, else null. Fastify has already routed the request; this applies the segment rules of §4.2
 * to the raw segments and decodes them as the contract does (a bad escape is no match).
 */
export function matchPath(route: ItemsRoute, path: string): Record<string, string> | null {
  const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path
  const wanted = segmentsOf(route.path)
  const given = p.slice(1).split('/')
  if (!p.startsWith('/') || given.length !== wanted.length) return null
  const params: Record<string, string> = {}
  for (const [i, s] of wanted.entries()) {
    const seg = given[i]!
    if ('literal' in s) {
      if (s.literal !== seg) return null
      continue
    }
    if (seg === '') return null
    const rule = route.segmentRules?.[s.param]
    if (rule && !rule(seg)) return null
    try {
      params[s.param] = decodeURIComponent(seg)
    } catch {
      return null
    }
  }
  return params
}

const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/** The `Allow` list of a raw path (§8.8): methods of every route the path matches, HEAD with GET, OPTIONS; null when none does. */
export function allowedMethods(table: readonly ItemsRoute[], path: string): string[] | null {
  const methods = new Set<string>(table.filter((r) => matchPath(r, path) !== null).map((r) => r.method))
  if (methods.size === 0) return null
  if (methods.has('GET')) methods.add('HEAD')
  methods.add('OPTIONS')
  return METHOD_ORDER.filter((m) => methods.has(m))
}
