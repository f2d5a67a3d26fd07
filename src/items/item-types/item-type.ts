import type { ValidateFunction } from 'ajv'
import type { CoreBackedTypeName } from '../../moodle/index.ts'
import type { ItemTypeDefinition, JsonSchema, WritableCoreField } from '../public-api.ts'
import type { FieldKind } from './core-fields.ts'

/** Storage type of a metadata value (§7.2). */
export type Storage = 'string' | 'int' | 'float' | 'bool' | 'json'

export const STORAGE_KIND: Record<Storage, FieldKind> = { string: 'string', int: 'integer', float: 'number', bool: 'boolean', json: 'json' }

/** Reference kinds of `x-moodle-ref`. */
export type RefKind = 'context' | 'course' | 'course_category' | 'cohort' | 'user' | 'item'

/** A registered stored type, compiled. */
export interface StoredItemType {
  kind: 'stored'
  name: string
  extension: string
  title: string
  description: string | undefined
  source: string
  capability: string
  readCapability: string | null
  /** Writable core fields the type uses. */
  used: ReadonlySet<WritableCoreField>
  required: ReadonlySet<WritableCoreField>
  /** Effective schema of each used field (base rule + entry, nullability per `required`). */
  coreSchemas: Partial<Record<WritableCoreField, Record<string, unknown>>>
  /** The declared `coreFields` entries (for OpenAPI). */
  coreEntries: Partial<Record<WritableCoreField, JsonSchema>>
  coreDefaults: Partial<Record<WritableCoreField, unknown>>
  /** Reference kind of each integer core field the type uses. */
  coreRefs: Partial<Record<WritableCoreField, RefKind>>
  metadataSchema: Record<string, unknown>
  /** Declared metadata keys → storage. */
  metaKeys: ReadonlyMap<string, Storage>
  /** `additionalProperties` of the metadata root: open types accept undeclared keys. */
  openMetadata: boolean
  metaDefaults: ReadonlyMap<string, unknown>
  metaRequired: readonly string[]
  uniqueIdnumber: boolean
  parentTypes: readonly string[] | null
  validate: ItemTypeDefinition['validate'] | undefined
  validateCore: ValidateFunction
  validateMeta: ValidateFunction
}

/** A registered core-backed type (§7.5). */
export interface CoreBackedItemType {
  kind: 'core'
  name: CoreBackedTypeName
  extension: 'core'
  title: string
  description: string | undefined
  capability: string | null
  readCapability: string | null
  /** Item fields the type fills. */
  fields: ReadonlySet<string>
  metaKeys: ReadonlyMap<string, 'int' | 'string'>
}

export type ItemType = StoredItemType | CoreBackedItemType
