import { violation, type Violation } from '../messages.ts'
import { CORE_FIELD_SET, MAX_ID, type FieldKind } from '../item-types/core-fields.ts'
import type { ItemType } from '../item-types/item-type.ts'
import { resolveField, type FieldRef } from './field-refs.ts'

export type Scalar = string | number | boolean
export type Op = 'eq' | 'neq' | 'in' | 'nin' | 'lt' | 'lte' | 'gt' | 'gte' | 'contains' | 'null'

/** One filter condition with its operand typed for the field (undeclared keys keep JSON types). */
export type Condition =
  | { ref: FieldRef; op: 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'contains'; value: Scalar }
  | { ref: FieldRef; op: 'in' | 'nin'; values: Scalar[] }
  | { ref: FieldRef; op: 'null'; value: boolean }

export interface SortKey {
  ref: FieldRef
  desc: boolean
}

/** What `fields` selects (§9.4). */
export type FieldSelection = { all: true } | { all: false; core: Set<string>; metadata: 'all' | Set<string> | 'none' }

export interface ListQuery {
  page: number
  perpage: number
  conditions: Condition[]
  sort: SortKey[]
  fields: FieldSelection
}

const OPERATORS: Record<string, Op> = {
  _eq: 'eq', _neq: 'neq', _in: 'in', _nin: 'nin', _lt: 'lt', _lte: 'lte', _gt: 'gt', _gte: 'gte', _contains: 'contains', _null: 'null',
}
const ALLOWED: Record<Op, ReadonlySet<string>> = {
  eq: new Set(['integer', 'number', 'string', 'boolean', 'undeclared']),
  neq: new Set(['integer', 'number', 'string', 'boolean', 'undeclared']),
  in: new Set(['integer', 'number', 'string', 'undeclared']),
  nin: new Set(['integer', 'number', 'string', 'undeclared']),
  lt: new Set(['integer', 'number', 'undeclared']),
  lte: new Set(['integer', 'number', 'undeclared']),
  gt: new Set(['integer', 'number', 'undeclared']),
  gte: new Set(['integer', 'number', 'undeclared']),
  contains: new Set(['string', 'undeclared']),
  null: new Set(['integer', 'number', 'string', 'boolean', 'json', 'undeclared']),
}
const KIND_RULE: Record<FieldKind, string> = { integer: 'integer', number: 'numeric', string: 'string', boolean: 'boolean', json: 'invalid' }

/** `page` / `perpage`: optional `-` then digits (§8.1). */
export function parseInteger(raw: string | undefined, field: string, fallback: number, min: number, max: number, out: Violation[]): number {
  if (raw === undefined) return fallback
  if (!/^-?[0-9]+$/.test(raw)) {
    out.push(violation(field, 'integer'))
    return fallback
  }
  const n = Number(raw)
  if (n < min) out.push(violation(field, 'min.numeric', { min }))
  else if (n > max) out.push(violation(field, 'max.numeric', { max }))
  return n
}

/** Types an operand for a field kind with the coercions of §9.2; null + violation when impossible. */
function coerce(kind: FieldKind | 'undeclared', value: unknown, at: string, out: Violation[]): Scalar | null {
  const bad = (rule: string) => {
    out.push(violation(at, rule))
    return null
  }
  switch (kind) {
    case 'undeclared':
      if (typeof value === 'string' || typeof value === 'boolean') return value
      if (typeof value === 'number' && Number.isFinite(value)) return Math.abs(value) > MAX_ID && Number.isInteger(value) ? bad('invalid') : value
      return bad('invalid')
    case 'integer': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?[0-9]+$/.test(value) ? Number(value) : NaN
      if (!Number.isInteger(n)) return bad('integer')
      if (Math.abs(n) > MAX_ID) {
        out.push(violation(at, n > 0 ? 'max.numeric' : 'min.numeric', n > 0 ? { max: MAX_ID } : { min: -MAX_ID }))
        return null
      }
      return n
    }
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(value) ? Number(value) : NaN
      return Number.isFinite(n) ? n : bad('numeric')
    }
    case 'string':
      if (typeof value === 'string') return value
      if (typeof value === 'number' && Number.isFinite(value)) return String(value)
      return bad('string')
    case 'boolean':
      if (value === true || value === 1 || value === '1' || value === 'true') return true
      if (value === false || value === 0 || value === '0' || value === 'false') return false
      return bad('boolean')
    case 'json':
      return bad('invalid')
  }
}

/** Parses `filters` (§9.2) against `type` (or core fields only). */
export function parseFilters(raw: string | undefined, type: ItemType | undefined, out: Violation[]): Condition[] {
  if (raw === undefined || raw === '') return []
  if ([...raw].length > 8192) {
    out.push(violation('filters', 'max.string', { max: 8192 }))
    return []
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    out.push(violation('filters', 'json'))
    return []
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    out.push(violation('filters', 'object'))
    return []
  }
  const members = Object.entries(parsed as Record<string, unknown>)
  if (members.length > 20) {
    out.push(violation('filters', 'max.keys', { max: 20 }))
    return []
  }
  const conditions: Condition[] = []
  for (const [name, spec] of members) {
    const at = `filters.${name}`
    const r = resolveField(name, type)
    if ('problem' in r) {
      out.push(violation(at, r.problem === 'needs_type' ? 'filter_needs_type' : 'filter_field'))
      continue
    }
    const ref = r.ref
    const ops: Array<[Op | null, unknown, string]> =
      spec === null
        ? [['null', true, at]]
        : Array.isArray(spec)
          ? [['in', spec, at]]
          : typeof spec === 'object'
            ? Object.entries(spec as Record<string, unknown>).map(([k, v]) => [Object.hasOwn(OPERATORS, k) ? OPERATORS[k]! : null, v, `${at}.${k}`])
            : [['eq', spec, at]]
    for (const [op, operand, path] of ops) {
      if (op === null || !ALLOWED[op].has(ref.kind)) {
        out.push(violation(path, 'filter_operator'))
        continue
      }
      const c = parseCondition(ref, op, operand, path, out)
      if (c) conditions.push(c)
    }
  }
  return conditions
}

function parseCondition(ref: FieldRef, op: Op, operand: unknown, at: string, out: Violation[]): Condition | null {
  if (op === 'null') {
    if (typeof operand !== 'boolean') {
      out.push(violation(at, 'boolean'))
      return null
    }
    return { ref, op, value: operand }
  }
  if ((op === 'eq' || op === 'neq') && operand === null) return { ref, op: 'null', value: op === 'eq' }
  if (op === 'in' || op === 'nin') {
    if (!Array.isArray(operand)) {
      out.push(violation(at, 'array'))
      return null
    }
    if (operand.length === 0) out.push(violation(at, 'min.array', { min: 1 }))
    else if (operand.length > 100) out.push(violation(at, 'max.array', { max: 100 }))
    if (operand.length === 0 || operand.length > 100) return null
    const before = out.length
    const values = operand.map((v, i) => coerce(ref.kind, v, `${at}.${i}`, out))
    return out.length === before ? { ref, op, values: values as Scalar[] } : null
  }
  if (op === 'lt' || op === 'lte' || op === 'gt' || op === 'gte') {
    const kind = ref.kind === 'undeclared' ? 'number' : ref.kind
    const v = coerce(kind, operand, at, out)
    return v === null ? null : { ref, op, value: v }
  }
  if (op === 'contains') {
    if (typeof operand !== 'string') {
      out.push(violation(at, 'string'))
      return null
    }
    if (operand === '') {
      out.push(violation(at, 'required'))
      return null
    }
    return { ref, op, value: operand }
  }
  const v = coerce(ref.kind, operand, at, out)
  return v === null ? null : { ref, op, value: v }
}

/** Parses `sort` (§9.3); default `sortorder,id`. */
export function parseSort(raw: string | undefined, type: ItemType | undefined, out: Violation[]): SortKey[] {
  if (raw === undefined) return [{ ref: resolvedCore('sortorder'), desc: false }, { ref: resolvedCore('id'), desc: false }]
  const parts = raw.split(',')
  if (parts.length > 5) {
    out.push(violation('sort', 'max.array', { max: 5 }))
    return []
  }
  const keys: SortKey[] = []
  const seen = new Set<string>()
  for (const part of parts) {
    const desc = part.startsWith('-')
    const name = desc ? part.slice(1) : part
    const r = resolveField(name, type)
    if ('problem' in r && r.problem === 'needs_type') {
      out.push(violation('sort', 'filter_needs_type'))
      continue
    }
    if ('problem' in r || !r.ref.sortable) {
      out.push(violation('sort', 'sort_field', { value: name }))
      continue
    }
    const canonical = `${r.ref.source}:${r.ref.name}`
    if (seen.has(canonical)) {
      out.push(violation('sort', 'duplicate', { value: name }))
      continue
    }
    seen.add(canonical)
    keys.push({ ref: r.ref, desc })
  }
  return keys
}

function resolvedCore(name: 'sortorder' | 'id'): FieldRef {
  return { source: 'core', name, kind: 'integer', sortable: true }
}

/** Parses `fields` (§9.4) against `type` (undefined: core fields and `metadata` only). */
export function parseFields(raw: string | undefined, type: ItemType | undefined, out: Violation[]): FieldSelection {
  if (raw === undefined || raw === '*') return { all: true }
  const core = new Set<string>(['id', 'type'])
  let metadata: 'all' | Set<string> | 'none' = 'none'
  const seen = new Set<string>()
  for (const name of raw.split(',')) {
    if (name === '*') return { all: true }
    const canonical = name.startsWith('metadata.') ? name.slice(9) : name
    if (seen.has(canonical)) {
      out.push(violation('fields', 'duplicate', { value: name }))
      continue
    }
    seen.add(canonical)
    if (name === 'metadata') {
      metadata = 'all'
      continue
    }
    if (CORE_FIELD_SET.has(name)) {
      core.add(name)
      continue
    }
    const r = resolveField(name, type)
    if ('problem' in r) {
      out.push(violation('fields', r.problem === 'needs_type' ? 'filter_needs_type' : 'fields_field', { value: name }))
      continue
    }
    if (metadata !== 'all') {
      if (metadata === 'none') metadata = new Set()
      metadata.add(r.ref.name)
    }
  }
  return { all: false, core, metadata }
}
