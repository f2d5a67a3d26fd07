/**
 * The public extension API of items-api.md §15.2 (`moodle-bridge/items`): types, identity helpers,
 * message formatting and the error classes a route handler may throw.
 */
import type { Kysely } from 'kysely'
import type { FastifyBaseLogger } from 'fastify'
import type { FieldErrors } from './errors.ts'

export { ItemsApiError, BadRequestError, ForbiddenError, NotFoundError, ConflictError, ValidationError, type FieldErrors } from './errors.ts'
export { message } from './messages.ts'

/** A JSON Schema (draft 2020-12). */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown }

export const WRITABLE_CORE_FIELDS = [
  'contextid', 'courseid', 'userid', 'parent', 'fullname', 'shortname', 'idnumber',
  'description', 'descriptionformat', 'status', 'visible', 'sortorder',
] as const
export type WritableCoreField = (typeof WRITABLE_CORE_FIELDS)[number]

export type MetadataValue = string | number | boolean | MetadataValue[] | { [key: string]: MetadataValue }

/** An item as returned by the API (§7.6). Core-backed items leave unmapped fields null. */
export interface Item {
  id: number
  type: string
  contextid: number | null
  courseid: number | null
  userid: number | null
  parent: number | null
  fullname: string | null
  shortname: string | null
  idnumber: string | null
  description: string | null
  descriptionformat: number
  status: string | null
  visible: number | null
  guid: string | null
  sortorder: number | null
  version: number | null
  usermodified: number | null
  timecreated: number | null
  timemodified: number | null
  metadata: Record<string, MetadataValue>
}

/** Writable part of an item; `null` clears a core field or removes a metadata key. */
export type ItemInput = Partial<{ [K in WritableCoreField]: Item[K] | null }> & {
  guid?: string
  metadata?: Record<string, MetadataValue | null>
}

export interface AuthenticatedUser {
  id: number
  username: string
  isSiteAdmin: boolean
  method: 'jwt' | 'wstoken' | 'session'
}

export interface MoodleDatabase {
  [table: string]: Record<string, unknown>
}
/** Read-only Kysely instance over Moodle's tables, named with the default prefix. */
export type MoodleReader = Kysely<MoodleDatabase>

export interface ItemTypeDefinition {
  name: string
  title?: string
  description?: string
  capability?: string
  readCapability?: string
  coreFields?: Partial<Record<WritableCoreField, JsonSchema>>
  required?: WritableCoreField[]
  metadata?: JsonSchema
  uniqueIdnumber?: boolean
  parentTypes?: string[]
  validate?(candidate: ItemCandidate, ctx: ValidationContext): FieldErrors | void | Promise<FieldErrors | void>
}

export interface ItemCandidate {
  operation: 'create' | 'update'
  previous: Item | null
  next: Omit<Item, 'id' | 'version' | 'usermodified' | 'timecreated' | 'timemodified'> & { id: number | null }
}

export interface ValidationContext {
  user: AuthenticatedUser
  moodle: MoodleReader
  message(rule: string, attribute: string, params?: Record<string, string | number>): string
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface RouteDefinition<Params = unknown, Query = unknown, Body = unknown> {
  method: HttpMethod
  path: string
  operationId: string
  summary: string
  description?: string
  tags?: string[]
  auth?: { public: true } | { capability: string | string[] }
  request?: { params?: JsonSchema; query?: JsonSchema; body?: JsonSchema }
  responses: Partial<Record<200 | 201 | 202 | 204, RouteResponseSpec>>
  handler(request: RouteRequest<Params, Query, Body>, ctx: RouteContext): Promise<RouteResult>
}

export interface RouteResponseSpec {
  description: string
  data?: JsonSchema
  meta?: JsonSchema
}

export interface RouteRequest<Params, Query, Body> {
  params: Params
  query: Query
  body: Body
  headers: Readonly<Record<string, string | undefined>>
  ip: string
}

export type RouteResult =
  | { status?: 200 | 201 | 202; data: unknown; meta?: Record<string, unknown>; headers?: Record<string, string> }
  | { status: 204; headers?: Record<string, string> }

export interface ListQuery {
  type?: string
  page?: number
  perpage?: number
  filters?: Record<string, unknown>
  sort?: string
  fields?: string
}

/** The item operations of §8 acting as the request's user. Each call is its own transaction. */
export interface ItemsService {
  get(id: number, options?: { type?: string; fields?: string }): Promise<Item | null>
  list(query: ListQuery): Promise<{ items: Item[]; total: number }>
  create(input: ItemInput & { type: string }): Promise<Item>
  update(id: number, patch: ItemInput, options?: { ifMatch?: string }): Promise<Item>
  delete(id: number, options?: { ifMatch?: string }): Promise<void>
}

export interface RouteContext {
  requestId: string
  user: AuthenticatedUser | null
  items: ItemsService
  moodle: MoodleReader
  hasCapability(capability: string): Promise<boolean>
  log: FastifyBaseLogger
}

export interface SetupContext {
  log: FastifyBaseLogger
  moodle: MoodleReader
}

export interface Extension {
  name: string
  capability?: string
  itemTypes?: ItemTypeDefinition[]
  routes?: RouteDefinition<any, any, any>[]
  setup?(ctx: SetupContext): void | Promise<void>
}

/** Identity helpers that only add type checking. */
export function defineExtension<E extends Extension>(extension: E): E {
  return extension
}
export function defineItemType<T extends ItemTypeDefinition>(type: T): T {
  return type
}
export function defineRoute<P, Q, B>(route: RouteDefinition<P, Q, B>): RouteDefinition<P, Q, B> {
  return route
}
