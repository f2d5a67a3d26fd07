import { CompiledQuery, sql } from 'kysely'
import { findCoreItem, listCoreItems, type CoreCondition, type CoreItemRow } from '../../moodle/index.ts'
import { dbInt, dbIntOrNull } from '../../shared/db-integer.ts'
import { Errors } from '../errors.ts'
import type { CoreBackedItemType, ItemType, StoredItemType } from '../item-types/item-type.ts'
import type { Item, MetadataValue } from '../public-api.ts'
import type { Condition, FieldSelection, ListQuery } from '../query/parse-list-query.ts'
import { orderSql, whereSql } from '../query/stored-query.ts'
import { ITEM_COLUMNS, ITEM_COLUMNS_OF_I, itemsOfJoinedRows, JOINED_META_COLUMNS, loadMetadata, sortedKeys, toItem, type ItemRow, type JoinedMetaRow } from '../store/items-db.ts'
import { canRead, requireRead, type Caller, type ItemsCore } from './items-core.ts'

/** A page of items and the total (§8.1). */
export interface ItemPage {
  items: Item[]
  total: number
}

/**
 * §8.1 steps 2–4: authorise, then one query for the page, its total (`COUNT(*) OVER ()`) and its
 * metadata (joined to the page). Only a page past the end, which has no row to carry the total,
 * costs a second query (the count).
 */
export async function listItems(core: ItemsCore, caller: Caller, type: ItemType | undefined, query: ListQuery): Promise<ItemPage> {
  if (type?.kind === 'core') {
    await requireRead(core, caller, type)
    return listCoreBacked(core, type, query)
  }
  let types: string[]
  if (type) {
    await requireRead(core, caller, type)
    types = [type.name]
  } else {
    const readable = await Promise.all(core.registry.stored.map(async (t) => ((await canRead(core, caller, t)) ? t.name : null)))
    types = readable.filter((n): n is string => n !== null)
    if (types.length === 0) throw Errors.noReadableType()
  }
  const where = whereSql(types, query.conditions)
  const offset = query.page * query.perpage
  const keys = metadataKeysOf(query.fields)
  // LIMIT and OFFSET are parameters (one statement text per query shape); mysql2 interpolates
  // them client-side as integer literals.
  const page = sql`SELECT ${ITEM_COLUMNS_OF_I}, COUNT(*) OVER () AS mb_total FROM ${sql.table('items_items')} i WHERE ${where}
    ORDER BY ${orderSql(query.sort)} LIMIT ${query.perpage} OFFSET ${offset}`
  const rows = (
    keys === 'none'
      ? await page.execute(core.db.db)
      : await sql`WITH p AS (${page})
    SELECT p.*, ${JOINED_META_COLUMNS} FROM p LEFT JOIN ${sql.table('items_itemmeta')} pm ON pm.itemid = p.id${keys === 'all' ? sql`` : sql` AND pm.name IN (${sql.join([...keys])})`}
    ORDER BY ${orderSql(query.sort, 'p')}`.execute(core.db.db)
  ).rows as Array<ItemRow & JoinedMetaRow & { mb_total: number | string }>
  if (rows.length === 0) {
    if (offset === 0) return { items: [], total: 0 }
    const counted = await sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM ${sql.table('items_items')} i WHERE ${where}`.execute(core.db.db)
    return { items: [], total: dbInt(counted.rows[0]?.n) }
  }
  return { items: itemsOfJoinedRows(rows), total: dbInt(rows[0]!.mb_total) }
}

function metadataKeysOf(fields: FieldSelection): 'all' | 'none' | ReadonlySet<string> {
  if (fields.all) return 'all'
  return fields.metadata !== 'all' && fields.metadata !== 'none' && fields.metadata.size === 0 ? 'none' : fields.metadata
}

async function listCoreBacked(core: ItemsCore, type: CoreBackedItemType, query: ListQuery): Promise<ItemPage> {
  const { total, rows } = await listCoreItems(core.moodle, type.name, {
    conditions: query.conditions.map(toCoreCondition),
    sort: query.sort.map((s) => ({ field: s.ref.name, desc: s.desc })),
    offset: query.page * query.perpage,
    limit: query.perpage,
  })
  return { items: rows.map((r) => coreItem(type, r)), total }
}

function toCoreCondition(c: Condition): CoreCondition {
  const field = c.ref.name
  if ('values' in c) return { field, op: c.op, values: c.values.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v)) }
  if (c.op === 'null') return { field, op: 'null', value: c.value }
  if (c.op === 'contains') return { field, op: 'contains', value: String(c.value) }
  const v = c.value
  return { field, op: c.op, value: typeof v === 'boolean' ? (v ? 1 : 0) : v }
}

/** A Moodle row as an item (§7.5): unmapped fields null, no version, guid or usermodified. */
export function coreItem(type: CoreBackedItemType, row: CoreItemRow): Item {
  const f = row.fields
  const int = (k: string) => dbIntOrNull(f[k])
  const str = (k: string) => (f[k] === null || f[k] === undefined ? null : String(f[k]))
  return {
    id: dbInt(f.id),
    type: type.name,
    contextid: int('contextid'),
    courseid: int('courseid'),
    userid: int('userid'),
    parent: int('parent'),
    fullname: str('fullname'),
    shortname: str('shortname'),
    idnumber: str('idnumber'),
    description: str('description'),
    descriptionformat: int('descriptionformat') as number,
    status: null,
    visible: int('visible'),
    guid: null,
    sortorder: int('sortorder'),
    version: null,
    usermodified: null,
    timecreated: int('timecreated'),
    timemodified: int('timemodified'),
    metadata: sortedKeys(row.metadata as Record<string, MetadataValue>),
  }
}

/** A stored item row and metadata by id, or null (items of unregistered types count as absent). */
export async function findStoredItem(core: ItemsCore, id: number, options: { forUpdate?: boolean; db?: ItemsCore['db']['db'] } = {}): Promise<{ item: Item; type: StoredItemType } | null> {
  const db = options.db ?? core.db.db
  let item: Item | undefined
  if (options.forUpdate) {
    // FOR UPDATE cannot lock the nullable side of an outer join: the row, then its metadata.
    const row = await db.selectFrom('items_items').select([...ITEM_COLUMNS]).where('id', '=', id).forUpdate().executeTakeFirst()
    if (!row) return null
    const meta = await loadMetadata({ ...core.db, db }, [id])
    item = toItem(row as ItemRow, meta.get(id) ?? {})
  } else {
    // The row and its metadata in one query (one round trip), compiled once per store.
    const { rows } = await db.executeQuery<ItemRow & JoinedMetaRow>(CompiledQuery.raw(findItemSql(core.db), [id]))
    item = itemsOfJoinedRows(rows)[0]
  }
  if (!item) return null
  const type = core.registry.get(item.type)
  if (!type || type.kind !== 'stored') return null
  return { item, type }
}

const findItemTexts = new WeakMap<ItemsCore['db'], string>()

/** The text of the read by id (one parameter, the id), table names resolved for this store. */
function findItemSql(itemsDb: ItemsCore['db']): string {
  let text = findItemTexts.get(itemsDb)
  if (text === undefined) {
    text = sql`SELECT ${ITEM_COLUMNS_OF_I}, ${JOINED_META_COLUMNS} FROM ${sql.table('items_items')} i
      LEFT JOIN ${sql.table('items_itemmeta')} pm ON pm.itemid = i.id WHERE i.id = ${0}`.compile(itemsDb.db).sql
    findItemTexts.set(itemsDb, text)
  }
  return text
}

/** §8.3 steps 1–3: a stored or core-backed item the caller may read, or 404/403. */
export async function getItem(core: ItemsCore, caller: Caller, id: number, type: ItemType | undefined): Promise<{ item: Item; type: ItemType }> {
  if (type?.kind === 'core') {
    const row = await findCoreItem(core.moodle, type.name, id)
    if (!row) throw Errors.itemNotFound()
    await requireRead(core, caller, type)
    return { item: coreItem(type, row), type }
  }
  const found = await findStoredItem(core, id)
  if (!found || (type && found.type.name !== type.name)) throw Errors.itemNotFound()
  await requireRead(core, caller, found.type)
  return found
}
