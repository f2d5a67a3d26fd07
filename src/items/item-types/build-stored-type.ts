import type { Ajv2020 } from 'ajv/dist/2020.js'
import { WRITABLE_CORE_FIELDS, type JsonSchema, type WritableCoreField } from '../public-api.ts'
import { ALLOWED_FORMATS } from '../validation/ajv.ts'
import { BASE_RULES, CORE_DEFAULTS, isMetadataKey, METADATA_KEY, CORE_FIELD_SET } from './core-fields.ts'
import type { DeclarationSource } from './declaration.ts'
import type { RefKind, Storage, StoredItemType } from './item-type.ts'

/** A declaration that cannot be registered; stops start-up (§14.4). */
export class RegistryError extends Error {
  override readonly name = 'RegistryError'
}

const ENTRY_KEYWORDS = new Set([
  'title', 'description', 'examples', 'default', 'enum', 'const', 'minLength', 'maxLength', 'pattern', 'format',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'x-moodle-ref',
])
const INTEGER_FIELDS = new Set(['contextid', 'courseid', 'userid', 'parent', 'descriptionformat', 'visible', 'sortorder'])
const TYPE_NAME = /^[a-z][a-z0-9_]{0,49}$/
const FORBIDDEN_META_KEYWORDS = new Set(['$id', '$dynamicRef', '$dynamicAnchor', 'readOnly', 'writeOnly', '$recursiveRef', '$recursiveAnchor'])

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Compiles one stored type declaration (§14.1–§14.3); throws RegistryError naming the source. */
export function buildStoredType(
  ajv: Ajv2020,
  src: DeclarationSource,
  capabilityOverride: { capability?: string; readCapability?: string } | undefined,
): StoredItemType {
  const d = src.declaration
  const fail = (problem: string): never => {
    throw new RegistryError(`item type ${JSON.stringify(d.name)} (${src.source}): ${problem}`)
  }
  if (typeof d.name !== 'string' || !TYPE_NAME.test(d.name)) fail('the name must match ^[a-z][a-z0-9_]{0,49}$')
  const entries: Partial<Record<WritableCoreField, JsonSchema>> = d.coreFields ?? Object.fromEntries(WRITABLE_CORE_FIELDS.map((f) => [f, {}]))
  if (!isObject(entries)) fail('coreFields must be a map')
  const used = new Set<WritableCoreField>()
  for (const [field, entry] of Object.entries(entries)) {
    if (!(WRITABLE_CORE_FIELDS as readonly string[]).includes(field)) fail(`coreFields.${field} is not a writable core field`)
    if (!isObject(entry)) fail(`coreFields.${field} must be a schema object`)
    for (const keyword of Object.keys(entry as object)) {
      if (!ENTRY_KEYWORDS.has(keyword)) fail(`coreFields.${field}: keyword ${keyword} is not allowed (§14.2)`)
    }
    const e = entry as Record<string, unknown>
    if (e['x-moodle-ref'] !== undefined && !INTEGER_FIELDS.has(field)) fail(`coreFields.${field}: x-moodle-ref is only allowed on integer fields`)
    if (e.format !== undefined && !(ALLOWED_FORMATS as readonly string[]).includes(String(e.format))) fail(`coreFields.${field}: format ${String(e.format)} is not supported`)
    used.add(field as WritableCoreField)
  }
  const required = new Set<WritableCoreField>()
  for (const field of d.required ?? []) {
    if (!used.has(field)) fail(`required names ${field}, which the type does not use`)
    required.add(field)
  }
  const coreSchemas: StoredItemType['coreSchemas'] = {}
  const coreRefs: StoredItemType['coreRefs'] = {}
  const coreDefaults: StoredItemType['coreDefaults'] = {}
  for (const field of used) {
    const base = { ...BASE_RULES[field] }
    if (required.has(field) && Array.isArray(base.type)) base.type = (base.type as string[]).find((t) => t !== 'null')
    const entry = entries[field] as Record<string, unknown>
    coreSchemas[field] = Object.keys(entry).length === 0 ? base : { allOf: [base, entry] }
    const ref = (entry['x-moodle-ref'] ?? base['x-moodle-ref']) as RefKind | undefined
    if (ref) coreRefs[field] = ref
    if (entry.default !== undefined) coreDefaults[field] = entry.default
  }
  let validateCore
  try {
    validateCore = ajv.compile({
      type: 'object',
      properties: coreSchemas,
      required: [...required],
    })
  } catch (error) {
    return fail(`coreFields do not compile: ${(error as Error).message}`)
  }
  for (const [field, value] of Object.entries(coreDefaults)) {
    if (!validateCore({ ...CORE_DEFAULTS, [field]: value })) fail(`coreFields.${field}: the default does not satisfy the field's rule`)
  }

  const metadataSchema = (d.metadata ?? { type: 'object', additionalProperties: false }) as Record<string, unknown>
  if (!isObject(metadataSchema)) fail('metadata must be a schema object')
  if (metadataSchema.type !== 'object') fail('the metadata schema must have type: object')
  if (!('additionalProperties' in metadataSchema)) fail('the metadata schema must state additionalProperties explicitly')
  if (metadataSchema.$schema !== undefined && metadataSchema.$schema !== 'https://json-schema.org/draft/2020-12/schema') {
    fail('$schema must name draft 2020-12')
  }
  checkMetaKeywords(metadataSchema, '', fail)
  const props = (metadataSchema.properties ?? {}) as Record<string, unknown>
  if (!isObject(props)) fail('metadata.properties must be a map')
  const metaKeys = new Map<string, Storage>()
  const metaDefaults = new Map<string, unknown>()
  for (const [key, schema] of Object.entries(props)) {
    if (!isMetadataKey(key)) fail(`metadata key ${key} is invalid (${METADATA_KEY.source}, not a core field name)`)
    const storage = storageOf(resolveLocal(metadataSchema, schema))
    if (!storage) fail(`metadata.${key}: its storage type cannot be determined (§14.3)`)
    metaKeys.set(key, storage!)
    if (isObject(schema) && schema.default !== undefined) metaDefaults.set(key, schema.default)
  }
  let validateMeta
  try {
    validateMeta = ajv.compile(metadataSchema)
  } catch (error) {
    return fail(`the metadata schema does not compile: ${(error as Error).message}`)
  }
  for (const [key, value] of metaDefaults) {
    validateMeta({ [key]: value })
    if ((validateMeta.errors ?? []).some((e) => e.instancePath === `/${key}` || e.instancePath.startsWith(`/${key}/`))) {
      fail(`metadata.${key}: the default does not satisfy the key's schema`)
    }
  }
  const metaRequired = Array.isArray(metadataSchema.required) ? (metadataSchema.required as string[]) : []
  const additional = metadataSchema.additionalProperties
  const capability = capabilityOverride?.capability ?? d.capability ?? src.defaultCapability
  const readCapability = capabilityOverride?.readCapability ?? d.readCapability ?? null
  return {
    kind: 'stored',
    name: d.name,
    extension: src.extension,
    title: d.title ?? d.name,
    description: d.description,
    source: src.source,
    capability,
    readCapability,
    used,
    required,
    coreSchemas,
    coreEntries: entries,
    coreDefaults,
    coreRefs,
    metadataSchema,
    metaKeys,
    openMetadata: additional !== false,
    metaDefaults,
    metaRequired,
    uniqueIdnumber: d.uniqueIdnumber === true,
    parentTypes: d.parentTypes ?? null,
    validate: d.validate,
    validateCore: validateCore!,
    validateMeta: validateMeta!,
  }
}

function checkMetaKeywords(schema: unknown, at: string, fail: (p: string) => never): void {
  if (Array.isArray(schema)) {
    schema.forEach((s, i) => checkMetaKeywords(s, `${at}/${i}`, fail))
    return
  }
  if (!isObject(schema)) return
  for (const [k, v] of Object.entries(schema)) {
    if (FORBIDDEN_META_KEYWORDS.has(k)) fail(`metadata schema${at}: ${k} is not allowed`)
    if (k === '$ref' && (typeof v !== 'string' || !v.startsWith('#/'))) fail(`metadata schema${at}: only local $ref (#/$defs/…) is allowed`)
    if (k === 'format' && typeof v === 'string' && !(ALLOWED_FORMATS as readonly string[]).includes(v)) fail(`metadata schema${at}: format ${v} is not supported`)
    if (k === 'properties' || k === '$defs' || k === 'patternProperties' || k === 'dependentSchemas') {
      if (isObject(v)) for (const [name, sub] of Object.entries(v)) checkMetaKeywords(sub, `${at}/${k}/${name}`, fail)
    } else if (k !== 'enum' && k !== 'const' && k !== 'default' && k !== 'examples') {
      checkMetaKeywords(v, `${at}/${k}`, fail)
    }
  }
}

/** Follows a local `$ref` (`#/$defs/x`) within the metadata root. */
export function resolveLocal(root: Record<string, unknown>, schema: unknown, depth = 0): unknown {
  if (!isObject(schema) || typeof schema.$ref !== 'string' || depth > 20) return schema
  const parts = schema.$ref.slice(2).split('/')
  let target: unknown = root
  for (const p of parts) target = isObject(target) ? target[p.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined
  return resolveLocal(root, target, depth + 1)
}

/** The storage type a declared property implies (§14.3), or null. */
export function storageOf(schema: unknown): Storage | null {
  if (!isObject(schema)) return null
  const t = schema.type
  const types = Array.isArray(t) ? t.filter((x) => x !== 'null') : t === undefined ? [] : [t]
  if (types.length > 1) return null
  if (types.length === 1) {
    return ({ string: 'string', integer: 'int', number: 'float', boolean: 'bool', array: 'json', object: 'json' } as Record<string, Storage>)[String(types[0])] ?? null
  }
  const values = Array.isArray(schema.enum) ? schema.enum : 'const' in schema ? [schema.const] : null
  if (!values || values.length === 0) return null
  if (values.every((v) => typeof v === 'string')) return 'string'
  if (values.every((v) => typeof v === 'boolean')) return 'bool'
  if (values.every((v) => typeof v === 'number')) return values.every((v) => Number.isInteger(v)) ? 'int' : 'float'
  if (values.every((v) => typeof v === 'object' && v !== null)) return 'json'
  return null
}

export { CORE_FIELD_SET }
