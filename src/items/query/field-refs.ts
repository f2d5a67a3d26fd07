import { CORE_FIELD_SET, CORE_KINDS, isMetadataKey, type CoreField, type FieldKind } from '../item-types/core-fields.ts'
import { STORAGE_KIND, type ItemType, type Storage } from '../item-types/item-type.ts'

/** A resolved field reference (§9.1). */
export type FieldRef =
  | { source: 'core'; name: CoreField; kind: FieldKind; sortable: boolean }
  | { source: 'meta'; name: string; kind: FieldKind; sortable: boolean; storage: Storage }
  /** An undeclared key of an open type: compared by the operand's JSON type. */
  | { source: 'meta'; name: string; kind: 'undeclared'; sortable: false; storage: null }

export type Resolution = { ref: FieldRef } | { problem: 'unknown' | 'needs_type' }

/** Resolves `name` (core field, bare or `metadata.`-prefixed key) against `type`, or core fields only. */
export function resolveField(name: string, type: ItemType | undefined): Resolution {
  if (CORE_FIELD_SET.has(name)) {
    const c = CORE_KINDS[name as CoreField]
    return { ref: { source: 'core', name: name as CoreField, kind: c.kind, sortable: c.sortable } }
  }
  const key = name.startsWith('metadata.') ? name.slice('metadata.'.length) : name
  if (!isMetadataKey(key)) return { problem: 'unknown' }
  if (!type) return { problem: 'needs_type' }
  if (type.kind === 'core') {
    const storage = type.metaKeys.get(key)
    if (!storage) return { problem: 'unknown' }
    return { ref: { source: 'meta', name: key, kind: storage === 'int' ? 'integer' : 'string', sortable: true, storage } }
  }
  const storage = type.metaKeys.get(key)
  if (storage) return { ref: { source: 'meta', name: key, kind: STORAGE_KIND[storage], sortable: storage !== 'json', storage } }
  if (type.openMetadata) return { ref: { source: 'meta', name: key, kind: 'undeclared', sortable: false, storage: null } }
  return { problem: 'unknown' }
}
