import { sql, type RawBuilder } from 'kysely'
import { indexPrefix } from '../store/items-db.ts'
import type { Condition, Scalar, SortKey } from './parse-list-query.ts'
import type { FieldRef } from './field-refs.ts'

type Expr = RawBuilder<unknown>
const TRUE = sql`1 = 1`
const FALSE = sql`1 = 0`
const NOT_NULL_COLUMNS = new Set(['id', 'type', 'descriptionformat', 'status', 'visible', 'guid', 'sortorder', 'version', 'usermodified', 'timecreated', 'timemodified'])

const likePattern = (s: string) => `%${s.replace(/[!%_]/g, (m) => `!${m}`)}%`
const meta = sql.table('items_itemmeta')

/** `EXISTS` over the item's metadata row `name` satisfying `cond` (on alias `m`). */
function exists(name: string, cond: Expr, negate = false): Expr {
  const body = sql`SELECT 1 FROM ${meta} m WHERE m.itemid = i.id AND m.name = ${name} AND ${cond}`
  return negate ? sql`NOT EXISTS (${body})` : sql`EXISTS (${body})`
}

function or(parts: Expr[]): Expr {
  if (parts.length === 0) return FALSE
  return parts.length === 1 ? parts[0]! : sql`(${sql.join(parts, sql` OR `)})`
}

/** A comparison of an integer column with any number: exact, without casting (`< 3.5` is `< 4`). */
function intCompare(column: Expr, op: 'eq' | 'lt' | 'lte' | 'gt' | 'gte', v: number): Expr {
  if (Number.isInteger(v)) return sql`${column} ${sql.raw({ eq: '=', lt: '<', lte: '<=', gt: '>', gte: '>=' }[op])} ${v}`
  switch (op) {
    case 'eq': return FALSE
    case 'lt': return sql`${column} < ${Math.ceil(v)}`
    case 'lte': return sql`${column} <= ${Math.floor(v)}`
    case 'gt': return sql`${column} > ${Math.floor(v)}`
    case 'gte': return sql`${column} >= ${Math.ceil(v)}`
  }
}

const OPS = { eq: '=', lt: '<', lte: '<=', gt: '>', gte: '>=' } as const

/** The condition on a metadata row's value (alias `m`) for one positive operator and operand. */
function metaValue(ref: FieldRef & { source: 'meta' }, op: 'eq' | 'lt' | 'lte' | 'gt' | 'gte' | 'contains', v: Scalar): Expr {
  const storage = ref.storage ?? (typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : null)
  const typed = (e: Expr, t: string) => (ref.storage === null ? sql`m.valuetype = ${t} AND ${e}` : e)
  if (op === 'contains') return typed(sql`m.value_string LIKE ${likePattern(String(v))} ESCAPE '!'`, 'string')
  if (storage === 'string') {
    const s = String(v)
    return typed(op === 'eq' ? sql`m.value_index = ${indexPrefix(s)} AND m.value_string = ${s}` : sql`m.value_string ${sql.raw(OPS[op])} ${s}`, 'string')
  }
  if (storage === 'bool') return typed(sql`m.value_int = ${v ? 1 : 0}`, 'bool')
  if (storage === 'int') return intCompare(sql`m.value_int`, op, Number(v))
  if (storage === 'float') return sql`m.value_float ${sql.raw(OPS[op])} ${Number(v)}`
  // An undeclared key compared with a number: integer and float rows, numerically.
  return or([
    sql`(m.valuetype = 'int' AND ${intCompare(sql`m.value_int`, op, Number(v))})`,
    sql`(m.valuetype = 'float' AND m.value_float ${sql.raw(OPS[op])} ${Number(v)})`,
  ])
}

function coreValue(column: Expr, op: 'eq' | 'lt' | 'lte' | 'gt' | 'gte' | 'contains', v: Scalar): Expr {
  if (op === 'contains') return sql`${column} LIKE ${likePattern(String(v))} ESCAPE '!'`
  return sql`${column} ${sql.raw(OPS[op])} ${typeof v === 'boolean' ? (v ? 1 : 0) : v}`
}

/** One filter condition as SQL over alias `i` (items) with `EXISTS` sub-queries for metadata (§9.5). */
export function conditionSql(c: Condition): Expr {
  const ref = c.ref
  if (ref.source === 'core') {
    const column = sql.ref(`i.${ref.name}`)
    const nullable = !NOT_NULL_COLUMNS.has(ref.name)
    switch (c.op) {
      case 'null': return c.value ? (nullable ? sql`${column} IS NULL` : FALSE) : nullable ? sql`${column} IS NOT NULL` : TRUE
      case 'neq': return nullable ? sql`(${column} IS NULL OR ${column} <> ${c.value})` : sql`${column} <> ${c.value}`
      case 'in': return sql`${column} IN (${sql.join(c.values)})`
      case 'nin': return nullable ? sql`(${column} IS NULL OR ${column} NOT IN (${sql.join(c.values)}))` : sql`${column} NOT IN (${sql.join(c.values)})`
      default: return coreValue(column, c.op, c.value)
    }
  }
  switch (c.op) {
    case 'null': return exists(ref.name, TRUE, c.value)
    case 'neq': return exists(ref.name, metaValue(ref, 'eq', c.value), true)
    case 'in': return exists(ref.name, or(c.values.map((v) => sql`(${metaValue(ref, 'eq', v)})`)))
    case 'nin': return exists(ref.name, or(c.values.map((v) => sql`(${metaValue(ref, 'eq', v)})`)), true)
    default: return exists(ref.name, metaValue(ref, c.op, c.value))
  }
}

/** The WHERE clause of a list: type restriction plus every condition. */
export function whereSql(types: readonly string[], conditions: readonly Condition[]): Expr {
  const typeCond = types.length === 1 ? sql`i.type = ${types[0]}` : sql`i.type IN (${sql.join([...types])})`
  return sql.join([typeCond, ...conditions.map(conditionSql)], sql` AND `)
}

/** ORDER BY over the item columns of `alias` (`i` by default): nulls last both ways, `id` appended unless present (§9.3). */
export function orderSql(keys: readonly SortKey[], alias = 'i'): Expr {
  const parts: Expr[] = []
  for (const k of keys) {
    const dir = sql.raw(k.desc ? 'DESC' : 'ASC')
    if (k.ref.source === 'core') {
      const col = sql.ref(`${alias}.${k.ref.name}`)
      if (!NOT_NULL_COLUMNS.has(k.ref.name)) parts.push(sql`(CASE WHEN ${col} IS NULL THEN 1 ELSE 0 END)`)
      parts.push(sql`${col} ${dir}`)
    } else {
      const column = { string: 'value_string', int: 'value_int', bool: 'value_int', float: 'value_float', json: 'value_json' }[k.ref.storage ?? 'string']
      const value = sql`(SELECT ${sql.ref(`m.${column}`)} FROM ${meta} m WHERE m.itemid = ${sql.ref(`${alias}.id`)} AND m.name = ${k.ref.name})`
      parts.push(sql`(CASE WHEN ${value} IS NULL THEN 1 ELSE 0 END)`, sql`${value} ${dir}`)
    }
  }
  if (!keys.some((k) => k.ref.source === 'core' && k.ref.name === 'id')) parts.push(sql`${sql.ref(`${alias}.id`)} ASC`)
  return sql.join(parts)
}
