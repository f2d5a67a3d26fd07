import { existingMoodleIds, type MoodleRefKind } from '../../moodle/index.ts'
import { dbInt, dbIntOrNull } from '../../shared/db-integer.ts'
import { violationError, type FieldErrors } from '../errors.ts'
import { message, violation, type Violation } from '../messages.ts'
import { CORE_DEFAULTS, isMetadataKey, MAX_ID } from '../item-types/core-fields.ts'
import { resolveLocal } from '../item-types/build-stored-type.ts'
import type { RefKind, StoredItemType } from '../item-types/item-type.ts'
import { WRITABLE_CORE_FIELDS, type AuthenticatedUser, type Item, type MetadataValue, type MoodleReader, type WritableCoreField } from '../public-api.ts'
import { canonicalJson } from '../store/items-db.ts'
import { violationsFromAjv } from '../validation/ajv.ts'
import { canRead, type Caller, type ItemsCore } from './items-core.ts'

const UUID = /^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i

/** The validated state to store, and what changed. */
export interface WritePlan {
  core: Record<WritableCoreField, unknown>
  guid: string
  metadata: Record<string, MetadataValue>
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const same = (a: unknown, b: unknown) => a === b || canonicalJson(a) === canonicalJson(b)

/**
 * Validation stages 3 and 4 of §10.1 for a create (`previous` null) or an update: the body's own
 * values, then the merged state against the type's schema, references, uniqueness and the type's
 * validator. Throws 422 with every violation of the first failing stage.
 */
export async function validateWrite(
  core: ItemsCore,
  caller: Caller,
  type: StoredItemType,
  body: Record<string, unknown>,
  previous: Item | null,
): Promise<WritePlan> {
  const out: Violation[] = []
  const next = {} as Record<WritableCoreField, unknown>
  for (const field of WRITABLE_CORE_FIELDS) {
    const current = previous ? previous[field] : (type.coreDefaults[field] ?? CORE_DEFAULTS[field])
    next[field] = current
    if (!Object.hasOwn(body, field)) continue
    const value = body[field]
    if (type.used.has(field)) next[field] = value
    else if (!(value === null || same(value, CORE_DEFAULTS[field]) || (previous && same(value, current)))) out.push(violation(field, 'prohibited'))
  }
  let guid = previous?.guid ?? ''
  if (Object.hasOwn(body, 'guid')) {
    const g = body.guid
    if (previous) {
      if (typeof g !== 'string' || g.toLowerCase() !== previous.guid) out.push(violation('guid', 'immutable'))
    } else if (typeof g !== 'string') out.push(violation('guid', 'string'))
    else if (!UUID.test(g)) out.push(violation('guid', 'uuid'))
    else guid = g.toLowerCase().replace(/^urn:uuid:/, '')
  }
  if (previous && Object.hasOwn(body, 'type') && body.type !== previous.type) out.push(violation('type', 'immutable'))

  // Metadata: key rules and limits (§7.2), then the merged map.
  const metadata: Record<string, MetadataValue> = previous ? { ...previous.metadata } : {}
  if (!previous) for (const [k, v] of type.metaDefaults) metadata[k] = v as MetadataValue
  const sentMeta: Record<string, unknown> = {}
  if (Object.hasOwn(body, 'metadata')) {
    if (!isObject(body.metadata)) out.push(violation('metadata', 'object'))
    else {
      for (const [key, value] of Object.entries(body.metadata)) {
        const at = `metadata.${key}`
        if (!isMetadataKey(key)) {
          out.push(violation(at, 'key'))
          continue
        }
        sentMeta[key] = value
        if (value === null) delete metadata[key]
        else {
          limitViolations(value, at, out)
          metadata[key] = value as MetadataValue
        }
      }
    }
  }
  if (Object.keys(metadata).length > 200) out.push(violation('metadata', 'max.keys', { max: 200 }))

  // The merged state against the schema: required fields that are null or "" count as absent.
  const coreInput: Record<string, unknown> = {}
  for (const field of type.used) {
    const v = next[field]
    if (type.required.has(field) && (v === null || v === '' || v === undefined)) continue
    coreInput[field] = v
  }
  if (!type.validateCore(coreInput)) out.push(...violationsFromAjv(type.validateCore.errors))
  const metaInput: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(metadata)) if (!(type.metaRequired.includes(k) && v === '')) metaInput[k] = v
  if (!type.validateMeta(metaInput)) out.push(...violationsFromAjv(type.validateMeta.errors, 'metadata'))
  if (out.length > 0) throw violationError(422, out)

  // Stage 4: references, parent rules, uniqueness, the type's own validator.
  const refs: Array<{ kind: RefKind; id: number; at: string }> = []
  for (const [field, kind] of Object.entries(type.coreRefs) as Array<[WritableCoreField, RefKind]>) {
    const v = next[field]
    if (typeof v === 'number' && (!previous || Object.hasOwn(body, field)) && !(field === 'parent' && kind === 'item')) refs.push({ kind, id: v, at: field })
  }
  collectMetaRefs(type.metadataSchema, type.metadataSchema, previous ? sentMeta : metadata, 'metadata', refs)
  await checkReferences(core, caller, refs, out)
  if (type.used.has('parent') && typeof next.parent === 'number' && (!previous || Object.hasOwn(body, 'parent'))) {
    await checkParent(core, caller, type, previous?.id ?? null, next.parent, out)
  }
  if (type.uniqueIdnumber && typeof next.idnumber === 'string' && (!previous || next.idnumber !== previous.idnumber)) {
    let q = core.db.db.selectFrom('items_items').select('id').where('type', '=', type.name).where('idnumberunique', '=', next.idnumber)
    if (previous) q = q.where('id', '<>', previous.id)
    if (await q.executeTakeFirst()) out.push(violation('idnumber', 'unique'))
  }
  if (!previous && guid !== '' && (await core.db.db.selectFrom('items_items').select('id').where('guid', '=', guid).executeTakeFirst())) {
    out.push(violation('guid', 'unique'))
  }
  if (type.validate) {
    const candidate = {
      operation: previous ? ('update' as const) : ('create' as const),
      previous,
      next: { id: previous?.id ?? null, type: type.name, ...next, guid, metadata } as never,
    }
    const errors = await type.validate(candidate, validationContext(core, caller))
    if (errors) out.push(...customViolations(errors))
  }
  if (out.length > 0) throw violationError(422, out)
  return { core: next, guid, metadata }
}

function customViolations(errors: FieldErrors): Violation[] {
  return Object.entries(errors).flatMap(([field, messages]) =>
    (messages.length > 0 ? messages : [message('invalid', field)]).map((m) => ({ field, rule: 'invalid', message: m, params: {} })),
  )
}

function validationContext(core: ItemsCore, caller: Caller) {
  const user: AuthenticatedUser = { id: caller.principal.userId, username: '', isSiteAdmin: caller.principal.siteAdmin, method: caller.principal.via }
  return { user, moodle: core.moodle.db as unknown as MoodleReader, message: (rule: string, attribute: string, params?: Record<string, string | number>) => message(rule, attribute, params) }
}

/** Size, depth and range limits of one metadata value (§7.2). */
function limitViolations(value: unknown, at: string, out: Violation[]): void {
  if (typeof value === 'string') {
    if (value.length > 65535 && [...value].length > 65535) out.push(violation(at, 'max.string', { max: 65535 }))
  } else if (typeof value === 'number') {
    if (Number.isInteger(value) && value > MAX_ID) out.push(violation(at, 'max.numeric', { max: MAX_ID }))
    if (Number.isInteger(value) && value < -MAX_ID) out.push(violation(at, 'min.numeric', { min: -MAX_ID }))
  } else if (typeof value === 'object' && value !== null) {
    if (depthOf(value) > 16) out.push(violation(at, 'depth'))
    else if (Buffer.byteLength(canonicalJson(value)) > 65535) out.push(violation(at, 'max.string', { max: 65535 }))
  }
}

function depthOf(value: unknown, level = 1): number {
  if (level > 17 || typeof value !== 'object' || value === null) return level - 1
  let max = level
  for (const v of Object.values(value)) if (typeof v === 'object' && v !== null) max = Math.max(max, depthOf(v, level + 1))
  return max
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Integer values at `x-moodle-ref` positions of the metadata schema (properties, items, $defs refs, allOf). */
function collectMetaRefs(root: Record<string, unknown>, schema: unknown, value: unknown, at: string, out: Array<{ kind: RefKind; id: number; at: string }>, depth = 0): void {
  const s = resolveLocal(root, schema)
  if (!isObj(s) || depth > 32 || value === null || value === undefined) return
  if (typeof s['x-moodle-ref'] === 'string' && typeof value === 'number' && Number.isInteger(value)) out.push({ kind: s['x-moodle-ref'] as RefKind, id: value, at })
  if (Array.isArray(s.allOf)) for (const sub of s.allOf) collectMetaRefs(root, sub, value, at, out, depth + 1)
  if (Array.isArray(value) && s.items !== undefined) value.forEach((v, i) => collectMetaRefs(root, s.items, v, `${at}.${i}`, out, depth + 1))
  if (isObj(value)) {
    const props = isObj(s.properties) ? s.properties : {}
    for (const [k, v] of Object.entries(value)) {
      const sub = Object.hasOwn(props, k) ? props[k] : isObj(s.additionalProperties) ? s.additionalProperties : undefined
      if (sub !== undefined) collectMetaRefs(root, sub, v, `${at}.${k}`, out, depth + 1)
    }
  }
}

/** One query per referenced table; missing (or, for items, unreadable) ids → `exists`. */
async function checkReferences(core: ItemsCore, caller: Caller, refs: Array<{ kind: RefKind; id: number; at: string }>, out: Violation[]): Promise<void> {
  const byKind = new Map<RefKind, Array<{ id: number; at: string }>>()
  for (const r of refs) {
    const list = byKind.get(r.kind)
    if (list) list.push(r)
    else byKind.set(r.kind, [r])
  }
  for (const [kind, list] of byKind) {
    const ids = list.map((r) => r.id).filter((id) => id >= 1 && id <= MAX_ID)
    let found: Set<number>
    if (kind === 'item') {
      found = new Set()
      if (ids.length > 0) {
        const rows = await core.db.db.selectFrom('items_items').select(['id', 'type']).where('id', 'in', [...new Set(ids)]).execute()
        for (const row of rows) {
          const t = core.registry.get(row.type)
          if (t && t.kind === 'stored' && (await canRead(core, caller, t))) found.add(dbInt(row.id))
        }
      }
    } else {
      found = await existingMoodleIds(core.moodle, kind as MoodleRefKind, ids)
    }
    for (const r of list) if (!found.has(r.id)) out.push(violation(r.at, 'exists'))
  }
}

/** Parent rules of §7.1: exists, readable, allowed type; not itself nor a descendant. */
async function checkParent(core: ItemsCore, caller: Caller, type: StoredItemType, self: number | null, parent: number, out: Violation[]): Promise<void> {
  if (self !== null && parent === self) {
    out.push(violation('parent', 'parent_cycle'))
    return
  }
  const row = await core.db.db.selectFrom('items_items').select(['id', 'type', 'parent']).where('id', '=', parent).executeTakeFirst()
  const ptype = row ? core.registry.get(row.type) : undefined
  if (!row || !ptype || ptype.kind !== 'stored' || (type.parentTypes && !type.parentTypes.includes(ptype.name)) || !(await canRead(core, caller, ptype))) {
    out.push(violation('parent', 'exists'))
    return
  }
  if (self === null) return
  // Walk up from the new parent: meeting the item itself means a cycle.
  let cursor: number | null = dbIntOrNull(row.parent)
  for (let hops = 0; cursor !== null && hops < 10_000; hops++) {
    if (cursor === self) {
      out.push(violation('parent', 'parent_cycle'))
      return
    }
    const up = await core.db.db.selectFrom('items_items').select('parent').where('id', '=', cursor).executeTakeFirst()
    cursor = dbIntOrNull(up?.parent)
  }
}
