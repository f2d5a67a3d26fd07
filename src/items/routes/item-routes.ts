import { Errors, violationError } from '../errors.ts'
import { violation, type Violation } from '../messages.ts'
import { MAX_ID } from '../item-types/core-fields.ts'
import type { ItemType } from '../item-types/item-type.ts'
import { etagOf, ifNoneMatchHolds, type Caller, type ItemsCore } from '../operations/items-core.ts'
import { getItem, listItems } from '../operations/read-items.ts'
import { createItem, deleteItem, updateItem } from '../operations/write-items.ts'
import { parseFields, parseFilters, parseInteger, parseSort, type FieldSelection } from '../query/parse-list-query.ts'
import { okReply, type Reply } from '../http/reply.ts'
import { projectItem } from './project-item.ts'

/** A request after parsing (§3 step 10). */
export interface ParsedRequest {
  method: string
  query: Map<string, string[]>
  headers: Record<string, string | string[] | undefined>
  body: Record<string, unknown> | undefined
}

/** Single values of the API's own parameters; repeated ones → `single` (§4.1). */
function params(query: Map<string, string[]>, names: readonly string[], out: Violation[]): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {}
  for (const name of names) {
    const list = query.get(name)
    if (list && list.length > 1) out.push(violation(name, 'single'))
    values[name] = list?.[0]
  }
  return values
}

function typeParam(core: ItemsCore, raw: string | undefined, out: Violation[]): ItemType | undefined {
  if (raw === undefined) return undefined
  const t = core.registry.get(raw)
  if (!t) out.push(violation('type', 'in'))
  return t
}

const header = (r: ParsedRequest, name: string) => {
  const v = r.headers[name]
  return Array.isArray(v) ? v.join(', ') : v
}

/** GET …/items (§8.1). */
export async function listRoute(core: ItemsCore, caller: Caller, r: ParsedRequest): Promise<Reply> {
  const out: Violation[] = []
  const p = params(r.query, ['type', 'page', 'perpage', 'filters', 'sort', 'fields'], out)
  const type = typeParam(core, p.type, out)
  const page = parseInteger(p.page, 'page', 0, 0, MAX_ID, out)
  const perpage = parseInteger(p.perpage, 'perpage', 20, 1, 100, out)
  const conditions = parseFilters(p.filters, type, out)
  const sort = parseSort(p.sort, type, out)
  const fields = parseFields(p.fields, type, out)
  if (out.length > 0) throw violationError(400, out)
  const result = await listItems(core, caller, type, { page, perpage, conditions, sort, fields })
  const meta = { total: result.total, page, pages: Math.max(1, Math.ceil(result.total / perpage)), perpage }
  return okReply(200, result.items.map((i) => projectItem(i, fields)), { meta })
}

/** GET …/items/{id} and …/metadata (§8.3, §8.6). */
export async function getRoute(core: ItemsCore, caller: Caller, r: ParsedRequest, id: number, metadataOnly: boolean): Promise<Reply> {
  const out: Violation[] = []
  const p = params(r.query, metadataOnly ? ['type'] : ['type', 'fields'], out)
  const type = typeParam(core, p.type, out)
  let fields: FieldSelection = { all: true }
  if (out.length > 0) throw violationError(400, out)
  const found = await getItem(core, caller, id, type)
  if (!metadataOnly && p.fields !== undefined) {
    fields = parseFields(p.fields, found.type, out)
    if (out.length > 0) throw violationError(400, out)
  }
  const headers: Record<string, string> = {}
  if (found.item.version !== null) {
    const etag = etagOf(found.item.id, found.item.version)
    headers.etag = etag
    const inm = header(r, 'if-none-match')
    if (inm !== undefined && ifNoneMatchHolds(inm, etag)) return { status: 304, headers }
  }
  return okReply(200, metadataOnly ? found.item.metadata : projectItem(found.item, fields), { headers })
}

/** POST …/items (§8.2). */
export async function createRoute(core: ItemsCore, caller: Caller, r: ParsedRequest, itemPath: (id: number) => string): Promise<Reply> {
  const body = r.body!
  if (!Object.hasOwn(body, 'type') || body.type === null) throw violationError(422, [violation('type', 'required')])
  if (typeof body.type !== 'string') throw violationError(422, [violation('type', 'string')])
  const type = core.registry.get(body.type)
  if (!type) throw violationError(422, [violation('type', 'in')])
  if (type.kind === 'core') throw Errors.readOnlyType(type.name)
  const item = await createItem(core, caller, type, body)
  return okReply(201, item, { headers: { location: itemPath(item.id), etag: etagOf(item.id, item.version!) } })
}

function writableType(core: ItemsCore, r: ParsedRequest): string | undefined {
  const out: Violation[] = []
  const p = params(r.query, ['type'], out)
  const type = typeParam(core, p.type, out)
  if (out.length > 0) throw violationError(400, out)
  if (type?.kind === 'core') throw Errors.readOnlyType(type.name)
  return type?.name
}

/** PUT / PATCH …/items/{id} (§8.4). */
export async function updateRoute(core: ItemsCore, caller: Caller, r: ParsedRequest, id: number): Promise<Reply> {
  const type = writableType(core, r)
  const item = await updateItem(core, caller, id, r.body!, { type, ifMatch: header(r, 'if-match') })
  return okReply(200, item, { headers: { etag: etagOf(item.id, item.version!) } })
}

/** DELETE …/items/{id} (§8.5). */
export async function deleteRoute(core: ItemsCore, caller: Caller, r: ParsedRequest, id: number): Promise<Reply> {
  const type = writableType(core, r)
  await deleteItem(core, caller, id, { type, ifMatch: header(r, 'if-match') })
  const prefer = header(r, 'prefer') ?? ''
  if (prefer.split(/[,;]/).some((p) => p.trim().toLowerCase() === 'return=minimal')) {
    return { status: 204, headers: { 'preference-applied': 'return=minimal' } }
  }
  return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"success":true}' }
}
