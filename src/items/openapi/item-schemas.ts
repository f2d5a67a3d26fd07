/** Component schemas of the item types (§16.3). */
import { BASE_RULES, CORE_DEFAULTS, MAX_ID, NULLABLE_FIELDS } from '../item-types/core-fields.ts'
import type { CoreBackedItemType, ItemType, StoredItemType } from '../item-types/item-type.ts'
import { WRITABLE_CORE_FIELDS } from '../public-api.ts'

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const READ_ONLY_INT = { type: 'integer', minimum: 0, maximum: MAX_ID }

/** Rewrites local `#/…` references of a metadata schema to point inside its component. */
function relocate(schema: unknown, component: string): unknown {
  if (Array.isArray(schema)) return schema.map((s) => relocate(s, component))
  if (schema !== null && typeof schema === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(schema)) {
      out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `#/components/schemas/${component}/${v.slice(2)}` : k === '$schema' ? undefined : relocate(v, component)
      if (out[k] === undefined) delete out[k]
    }
    return out
  }
  return schema
}

const xItemType = (t: ItemType) => ({ extension: t.extension, capability: t.capability, readCapability: t.readCapability, readOnly: t.kind === 'core' })

/** The output schema of one core field of a stored type. */
function storedFieldSchema(t: StoredItemType, field: (typeof WRITABLE_CORE_FIELDS)[number]): unknown {
  return t.used.has(field) ? t.coreSchemas[field] : BASE_RULES[field]
}

function storedItemSchema(t: StoredItemType): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    id: { type: 'integer', minimum: 1, maximum: MAX_ID },
    type: { const: t.name },
    guid: { type: 'string', format: 'uuid' },
    version: { type: 'integer', minimum: 1 },
    usermodified: READ_ONLY_INT,
    timecreated: READ_ONLY_INT,
    timemodified: READ_ONLY_INT,
    metadata: ref(`Metadata_${t.name}`),
  }
  for (const f of WRITABLE_CORE_FIELDS) properties[f] = storedFieldSchema(t, f)
  return { type: 'object', required: ['id', 'type'], properties, 'x-item-type': xItemType(t), title: t.title, ...(t.description ? { description: t.description } : {}) }
}

const CORE_BACKED_STRINGS = new Set(['fullname', 'shortname', 'idnumber', 'description'])

function coreItemSchema(t: CoreBackedItemType): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    id: { type: 'integer', minimum: 1, maximum: MAX_ID },
    type: { const: t.name },
    metadata: ref(`Metadata_${t.name}`),
  }
  for (const f of [...WRITABLE_CORE_FIELDS, 'guid', 'version', 'usermodified', 'timecreated', 'timemodified']) {
    properties[f] = t.fields.has(f) ? { type: [CORE_BACKED_STRINGS.has(f) ? 'string' : 'integer', 'null'] } : { type: 'null' }
  }
  return { type: 'object', required: ['id', 'type'], properties, 'x-item-type': xItemType(t), title: t.title }
}

function metadataSchema(t: ItemType): unknown {
  if (t.kind === 'core') {
    return {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries([...t.metaKeys].map(([k, kind]) => [k, { type: kind === 'int' ? 'integer' : 'string' }])),
    }
  }
  return relocate(t.metadataSchema, `Metadata_${t.name}`)
}

function metadataPatchSchema(t: StoredItemType): unknown {
  const props = (t.metadataSchema.properties ?? {}) as Record<string, unknown>
  const additional = t.metadataSchema.additionalProperties
  return {
    type: 'object',
    properties: Object.fromEntries(Object.keys(props).map((k) => [k, { anyOf: [{ $ref: `#/components/schemas/Metadata_${t.name}/properties/${k}` }, { type: 'null' }] }])),
    additionalProperties: additional === false ? false : additional === true || additional === undefined ? true : { anyOf: [relocate(additional, `Metadata_${t.name}`), { type: 'null' }] },
    description: 'Keys to set (whole values) or, with null, to remove.',
  }
}

function writeSchema(t: StoredItemType, mode: 'create' | 'update'): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    type: { const: t.name },
    guid: { type: 'string', format: 'uuid', description: mode === 'create' ? 'Optional identity to import; generated when absent.' : 'Must equal the stored value.' },
    metadata: ref(mode === 'create' ? `Metadata_${t.name}` : `MetadataPatch_${t.name}`),
  }
  for (const f of WRITABLE_CORE_FIELDS) {
    if (t.used.has(f)) {
      const s = t.coreSchemas[f]!
      properties[f] = mode === 'update' && NULLABLE_FIELDS.has(f) && !t.required.has(f) ? { anyOf: [s, { type: 'null' }] } : s
    } else {
      const d = CORE_DEFAULTS[f]
      properties[f] = { enum: d === null ? [null] : [null, d], description: 'Not used by this type: only null or the default is accepted.' }
    }
  }
  const required = mode === 'create' ? ['type', ...t.required] : []
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) }
}

/** Every per-type component, plus the unions `Item`, `ItemCreate`, `ItemUpdate`. */
export function itemTypeSchemas(types: readonly ItemType[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const sorted = [...types].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const stored = sorted.filter((t): t is StoredItemType => t.kind === 'stored')
  for (const t of sorted) {
    out[`Item_${t.name}`] = t.kind === 'stored' ? storedItemSchema(t) : coreItemSchema(t)
    out[`Metadata_${t.name}`] = metadataSchema(t)
  }
  for (const t of stored) {
    out[`ItemCreate_${t.name}`] = writeSchema(t, 'create')
    out[`ItemUpdate_${t.name}`] = writeSchema(t, 'update')
    out[`MetadataPatch_${t.name}`] = metadataPatchSchema(t)
  }
  const mapping = (prefix: string, list: readonly ItemType[]) => Object.fromEntries(list.map((t) => [t.name, `#/components/schemas/${prefix}_${t.name}`]))
  out.Item = { oneOf: sorted.map((t) => ref(`Item_${t.name}`)), discriminator: { propertyName: 'type', mapping: mapping('Item', sorted) } }
  out.ItemCreate = stored.length > 0
    ? { oneOf: stored.map((t) => ref(`ItemCreate_${t.name}`)), discriminator: { propertyName: 'type', mapping: mapping('ItemCreate', stored) } }
    : { type: 'object' }
  out.ItemUpdate = stored.length > 0 ? { anyOf: stored.map((t) => ref(`ItemUpdate_${t.name}`)) } : { type: 'object' }
  return out
}
