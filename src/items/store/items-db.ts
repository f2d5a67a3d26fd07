import { sql, type Kysely } from 'kysely'
import { dbInt, dbIntOrNull } from '../../shared/db-integer.ts'
import { tablePrefixPlugin } from '../../shared/table-rename-plugin.ts'
import type { ItemsTables, Store } from '../../store/index.ts'
import { codePointCompare } from '../messages.ts'
import type { Item, MetadataValue } from '../public-api.ts'
import type { Storage } from '../item-types/item-type.ts'
import { MAX_ID } from '../item-types/core-fields.ts'

/** The items tables (§13) on the state database, typed as `items_x`, living as `<prefix>x`. */
export interface ItemsDb {
  db: Kysely<ItemsTables>
  family: 'postgres' | 'mysql'
  prefix: string
}

/** The items tables of a store under `prefix` (items_table_prefix). */
export function itemsDbFor(store: Store, prefix: string): ItemsDb {
  const db = store.db.withoutPlugins().withPlugin(tablePrefixPlugin('items_', prefix)) as unknown as Kysely<ItemsTables>
  return { db, family: store.family, prefix }
}

/** The item columns selected for items (never `idnumberunique`). */
export const ITEM_COLUMNS = [
  'id', 'type', 'contextid', 'courseid', 'userid', 'parent', 'fullname', 'shortname', 'idnumber', 'description',
  'descriptionformat', 'status', 'visible', 'guid', 'sortorder', 'version', 'usermodified', 'timecreated', 'timemodified',
] as const

export type ItemRow = Pick<ItemsTables['items_items'], Exclude<(typeof ITEM_COLUMNS)[number], 'id'>> & { id: number | string }
export type MetaRow = Pick<ItemsTables['items_itemmeta'], 'itemid' | 'name' | 'valuetype' | 'value_string' | 'value_int' | 'value_float' | 'value_json'>

/** An item from its row and metadata, keys in the order of §7.1 (metadata keys in code-point order). */
export function toItem(row: ItemRow, metadata: Record<string, MetadataValue>): Item {
  return {
    id: dbInt(row.id),
    type: row.type,
    contextid: dbIntOrNull(row.contextid),
    courseid: dbIntOrNull(row.courseid),
    userid: dbIntOrNull(row.userid),
    parent: dbIntOrNull(row.parent),
    fullname: row.fullname,
    shortname: row.shortname,
    idnumber: row.idnumber,
    description: row.description,
    descriptionformat: dbInt(row.descriptionformat),
    status: row.status,
    visible: dbInt(row.visible),
    guid: row.guid,
    sortorder: dbInt(row.sortorder),
    version: dbInt(row.version),
    usermodified: dbInt(row.usermodified),
    timecreated: dbInt(row.timecreated),
    timemodified: dbInt(row.timemodified),
    metadata: sortedKeys(metadata),
  }
}

/** A copy of `obj` with keys in code-point order. */
export function sortedKeys<T>(obj: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {}
  for (const k of Object.keys(obj).sort(codePointCompare)) out[k] = obj[k]!
  return out
}

/** Canonical JSON: object keys in code-point order, no whitespace (§13.3). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalValue(value))
}

function canonicalValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalValue)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(value).sort(codePointCompare)) out[k] = canonicalValue((value as Record<string, unknown>)[k])
    return out
  }
  return value
}

/** The storage type of a value of an undeclared key (§7.2). */
export function inferStorage(value: MetadataValue): Storage {
  if (typeof value === 'string') return 'string'
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) <= MAX_ID ? 'int' : 'float'
  return 'json'
}

/** The first 191 code points of a string (the indexed prefix). */
export function indexPrefix(s: string): string {
  const points = [...s]
  return points.length <= 191 ? s : points.slice(0, 191).join('')
}

/** The metadata row columns for one value (§13.3 row invariants). */
export function encodeMeta(name: string, value: MetadataValue, storage: Storage): Omit<ItemsTables['items_itemmeta'], 'id' | 'itemid'> {
  const row = { name, valuetype: storage, value_string: null, value_index: null, value_int: null, value_float: null, value_json: null } as Omit<ItemsTables['items_itemmeta'], 'id' | 'itemid'>
  switch (storage) {
    case 'string':
      row.value_string = value as string
      row.value_index = indexPrefix(value as string)
      break
    case 'int':
      row.value_int = value as number
      break
    case 'float':
      row.value_float = value as number
      break
    case 'bool':
      row.value_int = value ? 1 : 0
      break
    case 'json':
      row.value_json = canonicalJson(value)
      break
  }
  return row
}

/** The value of a metadata row. */
export function decodeMeta(row: MetaRow): MetadataValue {
  switch (row.valuetype) {
    case 'string':
      return row.value_string ?? ''
    case 'int':
      return dbInt(row.value_int)
    case 'float':
      return Number(row.value_float)
    case 'bool':
      return dbInt(row.value_int) === 1
    case 'json':
      return JSON.parse(row.value_json ?? 'null') as MetadataValue
  }
}

/** Metadata of several items in one query: item id → key → value. */
export async function loadMetadata(db: ItemsDb, ids: readonly number[], keys?: ReadonlySet<string>): Promise<Map<number, Record<string, MetadataValue>>> {
  const out = new Map<number, Record<string, MetadataValue>>()
  if (ids.length === 0 || (keys && keys.size === 0)) return out
  let query = db.db
    .selectFrom('items_itemmeta')
    .select(['itemid', 'name', 'valuetype', 'value_string', 'value_int', 'value_float', 'value_json'])
    .where('itemid', 'in', [...ids])
  if (keys) query = query.where('name', 'in', [...keys])
  for (const row of await query.execute()) {
    const id = dbInt(row.itemid)
    let m = out.get(id)
    if (!m) out.set(id, (m = {}))
    m[row.name] = decodeMeta(row)
  }
  return out
}

/** `i.id, i.type, …`: the item columns of alias `i`, one raw fragment (plain lower-case names need no quoting in either dialect). */
export const ITEM_COLUMNS_OF_I = sql.raw(ITEM_COLUMNS.map((c) => `i.${c}`).join(', '))

/**
 * The metadata columns of a row joined as `pm` (`LEFT JOIN <itemmeta> pm`), aliased so they cannot
 * clash with item columns; all null when the item has no (selected) metadata.
 */
export const JOINED_META_COLUMNS = sql.raw(
  ['name', 'valuetype', 'value_string', 'value_int', 'value_float', 'value_json'].map((c) => `pm.${c} AS pm_${c}`).join(', '),
)

/** The aliased metadata columns of a joined row. */
export interface JoinedMetaRow {
  pm_name: string | null
  pm_valuetype: MetaRow['valuetype'] | null
  pm_value_string: string | null
  pm_value_int: number | string | null
  pm_value_float: number | null
  pm_value_json: string | null
}

/** Items from item rows joined with their metadata rows; one item's rows are adjacent, order kept. */
export function itemsOfJoinedRows(rows: ReadonlyArray<ItemRow & JoinedMetaRow>): Item[] {
  const items: Item[] = []
  let last: ItemRow | undefined
  let meta: Record<string, MetadataValue> = {}
  const flush = () => {
    if (last) items.push(toItem(last, meta))
  }
  for (const row of rows) {
    if (!last || dbInt(last.id) !== dbInt(row.id)) {
      flush()
      last = row
      meta = {}
    }
    if (row.pm_name !== null && row.pm_valuetype !== null) {
      meta[row.pm_name] = decodeMeta({
        itemid: row.id as number, name: row.pm_name, valuetype: row.pm_valuetype, value_string: row.pm_value_string,
        value_int: row.pm_value_int as MetaRow['value_int'], value_float: row.pm_value_float, value_json: row.pm_value_json,
      } as MetaRow)
    }
  }
  flush()
  return items
}
