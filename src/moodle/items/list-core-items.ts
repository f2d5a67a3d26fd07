import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { Moodle } from '../moodle.ts'
import { CORE_BACKED_TYPES, type CoreBackedTypeName } from './core-item-types.ts'
import { dbInt, dbIntOrNull } from '../../shared/db-integer.ts'

/** One condition on a field of a core-backed type, operands already typed by the caller. */
export type CoreCondition =
  | { field: string; op: 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte'; value: number | string }
  | { field: string; op: 'in' | 'nin'; values: Array<number | string> }
  | { field: string; op: 'contains'; value: string }
  | { field: string; op: 'null'; value: boolean }
  /** Matches every row (`true`) or none (`false`). */
  | { field: string; op: 'const'; value: boolean }

export interface CoreListQuery {
  conditions: CoreCondition[]
  sort: Array<{ field: string; desc: boolean }>
  offset: number
  limit: number
  /** Skip the count (single look-ups). */
  count?: boolean
}

/** A Moodle row in item shape: item fields (unmapped ones null) and the metadata keys. */
export interface CoreItemRow {
  fields: Record<string, number | string | null>
  metadata: Record<string, number | string>
}

type Expr = RawBuilder<unknown>

interface Mapping {
  from: Expr
  where: Expr
  fields: Record<string, Expr>
  metadata: Record<string, Expr>
}

const col = (c: string) => sql.ref(c)

/** Column expressions per type (§7.5); names not listed are null. */
function mappingOf(type: CoreBackedTypeName, moodle: Moodle): Mapping {
  const d = CORE_BACKED_TYPES[type]
  const meta = (alias: string) => Object.fromEntries(Object.keys(d.metadata).map((k) => [k, col(`${alias}.${k}`)]))
  const ctx = (level: number, alias: string) =>
    sql`LEFT JOIN ${sql.table('mdl_context')} ctx ON ctx.contextlevel = ${sql.lit(level)} AND ctx.instanceid = ${col(`${alias}.id`)}`
  switch (type) {
    case 'course':
      return {
        from: sql`${sql.table('mdl_course')} c ${ctx(50, 'c')}`,
        where: sql`c.category <> 0`,
        fields: {
          id: col('c.id'), courseid: col('c.id'), contextid: col('ctx.id'), parent: col('c.category'),
          fullname: col('c.fullname'), shortname: col('c.shortname'), idnumber: col('c.idnumber'),
          description: col('c.summary'), descriptionformat: col('c.summaryformat'), visible: col('c.visible'),
          sortorder: col('c.sortorder'), timecreated: col('c.timecreated'), timemodified: col('c.timemodified'),
        },
        metadata: meta('c'),
      }
    case 'course_category':
      return {
        from: sql`${sql.table('mdl_course_categories')} cc ${ctx(40, 'cc')}`,
        where: sql`1 = 1`,
        fields: {
          id: col('cc.id'), contextid: col('ctx.id'), parent: sql`NULLIF(cc.parent, 0)`, fullname: col('cc.name'),
          idnumber: col('cc.idnumber'), description: col('cc.description'), descriptionformat: col('cc.descriptionformat'),
          visible: col('cc.visible'), sortorder: col('cc.sortorder'), timemodified: col('cc.timemodified'),
        },
        metadata: meta('cc'),
      }
    case 'user':
      return {
        from: sql`${sql.table('mdl_user')} u ${ctx(30, 'u')}`,
        where: sql`u.deleted = 0`,
        fields: {
          id: col('u.id'), userid: col('u.id'), contextid: col('ctx.id'),
          fullname: moodle.family === 'mysql' ? sql`CONCAT(u.firstname, ' ', u.lastname)` : sql`(u.firstname || ' ' || u.lastname)`,
          shortname: col('u.username'), idnumber: col('u.idnumber'), description: col('u.description'),
          descriptionformat: col('u.descriptionformat'), timecreated: col('u.timecreated'), timemodified: col('u.timemodified'),
        },
        metadata: meta('u'),
      }
    case 'cohort':
      return {
        from: sql`${sql.table('mdl_cohort')} co`,
        where: sql`1 = 1`,
        fields: {
          id: col('co.id'), contextid: col('co.contextid'), fullname: col('co.name'), idnumber: col('co.idnumber'),
          description: col('co.description'), descriptionformat: col('co.descriptionformat'), visible: col('co.visible'),
          timecreated: col('co.timecreated'), timemodified: col('co.timemodified'),
        },
        metadata: meta('co'),
      }
  }
}

const TRUE = sql`1 = 1`
const FALSE = sql`1 = 0`

function conditionSql(expr: Expr | undefined, c: CoreCondition): Expr {
  if (c.op === 'const') return c.value ? TRUE : FALSE
  if (!expr) {
    // A field this type never fills is null on every row.
    if (c.op === 'null') return c.value ? TRUE : FALSE
    return c.op === 'neq' || c.op === 'nin' ? TRUE : FALSE
  }
  switch (c.op) {
    case 'eq': return sql`${expr} = ${c.value}`
    case 'neq': return sql`(${expr} IS NULL OR ${expr} <> ${c.value})`
    case 'lt': return sql`${expr} < ${c.value}`
    case 'lte': return sql`${expr} <= ${c.value}`
    case 'gt': return sql`${expr} > ${c.value}`
    case 'gte': return sql`${expr} >= ${c.value}`
    case 'in': return sql`${expr} IN (${sql.join(c.values)})`
    case 'nin': return sql`(${expr} IS NULL OR ${expr} NOT IN (${sql.join(c.values)}))`
    case 'contains': return sql`${expr} LIKE ${`%${c.value.replace(/[!%_]/g, (m) => `!${m}`)}%`} ESCAPE '!'`
    case 'null': return c.value ? sql`${expr} IS NULL` : sql`${expr} IS NOT NULL`
  }
}

/**
 * A page of a core-backed type with its total: conditions ANDed, nulls last in both directions,
 * `id` ascending appended unless sorted by id. Credential columns are never selected.
 */
export async function listCoreItems(moodle: Moodle, type: CoreBackedTypeName, query: CoreListQuery): Promise<{ total: number; rows: CoreItemRow[] }> {
  const m = mappingOf(type, moodle)
  const exprOf = (field: string) => m.fields[field] ?? m.metadata[field]
  const where = sql.join([m.where, ...query.conditions.map((c) => conditionSql(exprOf(c.field), c))], sql` AND `)
  const db = moodle.db as unknown as Kysely<Record<string, never>>
  let total = 0
  if (query.count !== false) {
    const counted = await sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM ${m.from} WHERE ${where}`.execute(db)
    total = dbInt(counted.rows[0]?.n)
    if (query.offset >= total) return { total, rows: [] }
  }
  const order: Expr[] = []
  for (const s of query.sort) {
    const e = exprOf(s.field)
    if (!e) continue
    order.push(sql`(CASE WHEN ${e} IS NULL THEN 1 ELSE 0 END)`, s.desc ? sql`${e} DESC` : sql`${e} ASC`)
  }
  if (!query.sort.some((s) => s.field === 'id')) order.push(sql`${m.fields.id!} ASC`)
  const select = sql.join([
    ...Object.entries(m.fields).map(([k, e]) => sql`${e} AS ${sql.id(`f_${k}`)}`),
    ...Object.entries(m.metadata).map(([k, e]) => sql`${e} AS ${sql.id(`m_${k}`)}`),
  ])
  const result = await sql<Record<string, unknown>>`SELECT ${select} FROM ${m.from} WHERE ${where}
    ORDER BY ${sql.join(order)} LIMIT ${sql.lit(Math.trunc(query.limit))} OFFSET ${sql.lit(Math.trunc(query.offset))}`.execute(db)
  const kinds = CORE_BACKED_TYPES[type].metadata
  const rows = result.rows.map((r) => {
    const fields: CoreItemRow['fields'] = {}
    for (const k of Object.keys(m.fields)) {
      const v = r[`f_${k}`]
      fields[k] = typeof v === 'string' && !STRING_FIELDS.has(k) ? dbIntOrNull(v) : v === undefined || v === null ? null : typeof v === 'bigint' ? dbInt(v) : (v as number | string)
    }
    const metadata: CoreItemRow['metadata'] = {}
    for (const [k, kind] of Object.entries(kinds)) {
      const v = r[`m_${k}`]
      if (v === null || v === undefined) continue
      metadata[k] = kind === 'int' ? dbInt(v) : String(v)
    }
    return { fields, metadata }
  })
  if (query.count === false) total = rows.length
  return { total, rows }
}

const STRING_FIELDS = new Set(['fullname', 'shortname', 'idnumber', 'description'])

/** One row of a core-backed type by id (respecting the type's exclusions), or null. */
export async function findCoreItem(moodle: Moodle, type: CoreBackedTypeName, id: number): Promise<CoreItemRow | null> {
  const { rows } = await listCoreItems(moodle, type, { conditions: [{ field: 'id', op: 'eq', value: id }], sort: [], offset: 0, limit: 1, count: false })
  return rows[0] ?? null
}
