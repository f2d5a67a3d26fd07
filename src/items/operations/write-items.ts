import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { dbInt } from '../../shared/db-integer.ts'
import type { ItemsTables } from '../../store/index.ts'
import { itemsUniqueViolation } from '../../store/index.ts'
import { Errors, violationError, type ItemsApiError } from '../errors.ts'
import { codePointCompare, violation } from '../messages.ts'
import type { StoredItemType } from '../item-types/item-type.ts'
import { WRITABLE_CORE_FIELDS, type Item, type MetadataValue } from '../public-api.ts'
import { canonicalJson, encodeMeta, inferStorage, toItem, type ItemRow } from '../store/items-db.ts'
import { findStoredItem } from './read-items.ts'
import { etagOf, ifMatchHolds, requireManage, type Caller, type ItemsCore } from './items-core.ts'
import { validateWrite, type WritePlan } from './validate-write.ts'

type Trx = Kysely<ItemsTables>

/** §8.2 steps 3–6: permission, validation, one transaction for item, metadata and audit. */
export async function createItem(core: ItemsCore, caller: Caller, type: StoredItemType, body: Record<string, unknown>): Promise<Item> {
  await requireManage(core, caller, type)
  const plan = await validateWrite(core, caller, type, body, null)
  const now = core.nowS()
  const guid = plan.guid || randomUUID()
  const row = {
    type: type.name,
    ...coreColumns(type, plan),
    guid,
    version: 1,
    usermodified: caller.principal.userId,
    timecreated: now,
    timemodified: now,
  }
  try {
    const id = await core.db.db.transaction().execute(async (trx) => {
      const id = await insertItem(core, trx, row)
      await insertMeta(trx, type, id, plan.metadata)
      const changes: Record<string, { old: unknown; new: unknown }> = {}
      for (const f of WRITABLE_CORE_FIELDS) if (plan.core[f] !== null) changes[f] = { old: null, new: plan.core[f] }
      changes.guid = { old: null, new: guid }
      for (const [k, v] of Object.entries(plan.metadata)) changes[`metadata.${k}`] = { old: null, new: v }
      await audit(core, trx, caller, { itemid: id, itemtype: type.name, action: 'create', oldversion: null, newversion: 1, changes })
      return id
    })
    return toItem({ id, ...row } as ItemRow, plan.metadata)
  } catch (error) {
    throw uniqueError(error)
  }
}

/** §8.4 steps 2–8. Validation runs on an unlocked read; the write re-reads under lock and retries if the version moved. */
export async function updateItem(
  core: ItemsCore,
  caller: Caller,
  id: number,
  body: Record<string, unknown>,
  options: { type?: string; ifMatch?: string },
): Promise<Item> {
  for (let attempt = 0; ; attempt++) {
    const found = await findStoredItem(core, id)
    if (!found || (options.type && found.type.name !== options.type)) throw Errors.itemNotFound()
    const { item: previous, type } = found
    await requireManage(core, caller, type)
    preconditions(core, options.ifMatch, etagOf(id, previous.version!))
    const plan = await validateWrite(core, caller, type, body, previous)
    const changes = diff(previous, plan)
    if (Object.keys(changes).length === 0) return previous
    try {
      const outcome = await core.db.db.transaction().execute(async (trx) => {
        const locked = await trx.selectFrom('items_items').select(['version']).where('id', '=', id).forUpdate().executeTakeFirst()
        if (!locked) return 'gone' as const
        if (dbInt(locked.version) !== previous.version) return 'moved' as const
        const version = previous.version! + 1
        const now = core.nowS()
        await trx
          .updateTable('items_items')
          .set({ ...coreColumns(type, plan), version, usermodified: caller.principal.userId, timemodified: now })
          .where('id', '=', id)
          .execute()
        await replaceMeta(trx, type, id, previous.metadata, plan.metadata)
        await audit(core, trx, caller, { itemid: id, itemtype: type.name, action: 'update', oldversion: previous.version, newversion: version, changes })
        return { version, now }
      })
      if (outcome === 'gone') throw Errors.itemNotFound()
      if (outcome === 'moved') {
        if (attempt < 20) continue
        throw Errors.preconditionFailed(etagOf(id, previous.version!))
      }
      const row = { ...previous, ...plan.core, version: outcome.version, usermodified: caller.principal.userId, timemodified: outcome.now }
      return toItem({ ...row, guid: previous.guid } as unknown as ItemRow, plan.metadata)
    } catch (error) {
      throw uniqueError(error)
    }
  }
}

/** §8.5 steps 2–6. */
export async function deleteItem(core: ItemsCore, caller: Caller, id: number, options: { type?: string; ifMatch?: string }): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const found = await findStoredItem(core, id)
    if (!found || (options.type && found.type.name !== options.type)) throw Errors.itemNotFound()
    const { item, type } = found
    await requireManage(core, caller, type)
    preconditions(core, options.ifMatch, etagOf(id, item.version!))
    const outcome = await core.db.db.transaction().execute(async (trx) => {
      const locked = await trx.selectFrom('items_items').select(['version']).where('id', '=', id).forUpdate().executeTakeFirst()
      if (!locked) return 'gone' as const
      if (dbInt(locked.version) !== item.version) return 'moved' as const
      const child = await trx.selectFrom('items_items').select('id').where('parent', '=', id).limit(1).executeTakeFirst()
      if (child) return 'children' as const
      await trx.deleteFrom('items_itemmeta').where('itemid', '=', id).execute()
      await trx.deleteFrom('items_items').where('id', '=', id).execute()
      const changes: Record<string, { old: unknown; new: unknown }> = {}
      for (const f of ['type', ...WRITABLE_CORE_FIELDS, 'guid'] as const) if (item[f] !== null) changes[f] = { old: item[f], new: null }
      for (const [k, v] of Object.entries(item.metadata)) changes[`metadata.${k}`] = { old: v, new: null }
      await audit(core, trx, caller, { itemid: id, itemtype: type.name, action: 'delete', oldversion: item.version, newversion: null, changes })
      return 'deleted' as const
    })
    if (outcome === 'gone') throw Errors.itemNotFound()
    if (outcome === 'children') throw Errors.hasChildren()
    if (outcome === 'moved') {
      if (attempt < 20) continue
      throw Errors.preconditionFailed(etagOf(id, item.version!))
    }
    return
  }
}

function preconditions(core: ItemsCore, ifMatch: string | undefined, etag: string): void {
  if (ifMatch === undefined) {
    if (core.requireIfMatch) throw Errors.preconditionRequired()
    return
  }
  if (!ifMatchHolds(ifMatch, etag)) throw Errors.preconditionFailed(etag)
}

function coreColumns(type: StoredItemType, plan: WritePlan) {
  const c = plan.core
  return {
    contextid: c.contextid as number | null,
    courseid: c.courseid as number | null,
    userid: c.userid as number | null,
    parent: c.parent as number | null,
    fullname: c.fullname as string | null,
    shortname: c.shortname as string | null,
    idnumber: c.idnumber as string | null,
    idnumberunique: type.uniqueIdnumber && typeof c.idnumber === 'string' ? c.idnumber : null,
    description: c.description as string | null,
    descriptionformat: c.descriptionformat as number,
    status: c.status as string,
    visible: c.visible as number,
    sortorder: c.sortorder as number,
  }
}

async function insertItem(core: ItemsCore, trx: Trx, row: Record<string, unknown>): Promise<number> {
  const insert = trx.insertInto('items_items').values(row as never)
  if (core.db.family === 'postgres') {
    const r = await insert.returning('id').executeTakeFirstOrThrow()
    return dbInt(r.id)
  }
  const r = await insert.executeTakeFirstOrThrow()
  return dbInt(r.insertId)
}

const storageFor = (type: StoredItemType, key: string, value: MetadataValue) => type.metaKeys.get(key) ?? inferStorage(value)

async function insertMeta(trx: Trx, type: StoredItemType, id: number, metadata: Record<string, MetadataValue>): Promise<void> {
  const rows = Object.entries(metadata).map(([k, v]) => ({ itemid: id, ...encodeMeta(k, v, storageFor(type, k, v)) }))
  if (rows.length > 0) await trx.insertInto('items_itemmeta').values(rows).execute()
}

async function replaceMeta(trx: Trx, type: StoredItemType, id: number, before: Record<string, MetadataValue>, after: Record<string, MetadataValue>): Promise<void> {
  const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (k) => !(k in after) || !(k in before) || canonicalJson(before[k]) !== canonicalJson(after[k]),
  )
  if (changed.length === 0) return
  await trx.deleteFrom('items_itemmeta').where('itemid', '=', id).where('name', 'in', changed).execute()
  await insertMeta(trx, type, id, Object.fromEntries(changed.filter((k) => k in after).map((k) => [k, after[k]!])))
}

/** The fields whose value changed (§12), core by name, metadata as `metadata.<key>`. */
function diff(previous: Item, plan: WritePlan): Record<string, { old: unknown; new: unknown }> {
  const out: Record<string, { old: unknown; new: unknown }> = {}
  for (const f of WRITABLE_CORE_FIELDS) {
    if (canonicalJson(previous[f]) !== canonicalJson(plan.core[f])) out[f] = { old: previous[f], new: plan.core[f] }
  }
  const keys = new Set([...Object.keys(previous.metadata), ...Object.keys(plan.metadata)])
  for (const k of keys) {
    const a = previous.metadata[k] ?? null
    const b = plan.metadata[k] ?? null
    if (canonicalJson(a) !== canonicalJson(b)) out[`metadata.${k}`] = { old: a, new: b }
  }
  return out
}

async function audit(
  core: ItemsCore,
  trx: Trx,
  caller: Caller,
  entry: { itemid: number; itemtype: string; action: 'create' | 'update' | 'delete'; oldversion: number | null; newversion: number | null; changes: Record<string, unknown> },
): Promise<void> {
  const sorted: Record<string, unknown> = {}
  for (const k of Object.keys(entry.changes).sort(codePointCompare)) sorted[k] = entry.changes[k]
  await trx
    .insertInto('items_item_audit')
    .values({
      ...entry,
      userid: caller.principal.userId,
      authmethod: caller.principal.via,
      credentialref: credentialRef(caller),
      ip: caller.ip.slice(0, 45),
      requestid: caller.requestId.slice(0, 128),
      changes: JSON.stringify(sorted),
      timecreated: core.nowS(),
    })
    .execute()
}

/** `credentialref` of §12; a principal may carry `credentialRef` (jwt:<iss>[:<jti>]) from the authenticator. */
function credentialRef(caller: Caller): string {
  const p = caller.principal
  if (typeof p.credentialRef === 'string') return p.credentialRef.slice(0, 255)
  if (p.via === 'wstoken') return `wstoken:${p.tokenId ?? '-'}`
  if (p.via === 'jwt') return 'jwt:-'
  return 'session'
}

function uniqueError(error: unknown): unknown {
  const which = itemsUniqueViolation(error)
  if (which === 'guid') return violationError(422, [violation('guid', 'unique')])
  if (which === 'idnumber') return violationError(422, [violation('idnumber', 'unique')])
  return error as ItemsApiError
}
