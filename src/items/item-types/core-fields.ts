/** The core fields of items-api.md §7.1: order, base rules, defaults, kinds for filters and sorting. */
import type { WritableCoreField } from '../public-api.ts'

export const MAX_ID = 9007199254740991

/** Every core field in wire order (§7.1), `metadata` last. */
export const CORE_FIELDS = [
  'id', 'type', 'contextid', 'courseid', 'userid', 'parent', 'fullname', 'shortname', 'idnumber',
  'description', 'descriptionformat', 'status', 'visible', 'guid', 'sortorder', 'version',
  'usermodified', 'timecreated', 'timemodified',
] as const
export type CoreField = (typeof CORE_FIELDS)[number]
export const CORE_FIELD_SET: ReadonlySet<string> = new Set(CORE_FIELDS)

/** Base rules of the writable fields (plus guid), as published in OpenAPI. */
export const BASE_RULES: Record<WritableCoreField | 'guid', Record<string, unknown>> = {
  contextid: { type: ['integer', 'null'], minimum: 1, maximum: MAX_ID, 'x-moodle-ref': 'context' },
  courseid: { type: ['integer', 'null'], minimum: 1, maximum: MAX_ID, 'x-moodle-ref': 'course' },
  userid: { type: ['integer', 'null'], minimum: 1, maximum: MAX_ID, 'x-moodle-ref': 'user' },
  parent: { type: ['integer', 'null'], minimum: 1, maximum: MAX_ID, 'x-moodle-ref': 'item' },
  fullname: { type: ['string', 'null'], maxLength: 1333 },
  shortname: { type: ['string', 'null'], maxLength: 255 },
  idnumber: { type: ['string', 'null'], maxLength: 100 },
  description: { type: ['string', 'null'] },
  descriptionformat: { type: 'integer', enum: [0, 1, 2, 4] },
  status: { type: 'string', minLength: 1, maxLength: 30, pattern: '^[a-z][a-z0-9_]*$' },
  visible: { type: 'integer', enum: [0, 1] },
  guid: { type: 'string', format: 'uuid' },
  sortorder: { type: 'integer', minimum: -2147483648, maximum: 2147483647 },
}

/** Defaults of the writable fields on create (§7.1). */
export const CORE_DEFAULTS: Record<WritableCoreField, unknown> = {
  contextid: null, courseid: null, userid: null, parent: null, fullname: null, shortname: null, idnumber: null,
  description: null, descriptionformat: 0, status: 'draft', visible: 1, sortorder: 0,
}

/** Fields that can hold null (unless the type requires them). */
export const NULLABLE_FIELDS: ReadonlySet<string> = new Set(['contextid', 'courseid', 'userid', 'parent', 'fullname', 'shortname', 'idnumber', 'description'])

export type FieldKind = 'integer' | 'number' | 'string' | 'boolean' | 'json'

/** Kind, filterability and sortability of the core fields (§9.1). */
export const CORE_KINDS: Record<CoreField, { kind: FieldKind; sortable: boolean }> = {
  id: { kind: 'integer', sortable: true },
  type: { kind: 'string', sortable: true },
  contextid: { kind: 'integer', sortable: true },
  courseid: { kind: 'integer', sortable: true },
  userid: { kind: 'integer', sortable: true },
  parent: { kind: 'integer', sortable: true },
  fullname: { kind: 'string', sortable: true },
  shortname: { kind: 'string', sortable: true },
  idnumber: { kind: 'string', sortable: true },
  description: { kind: 'string', sortable: false },
  descriptionformat: { kind: 'integer', sortable: true },
  status: { kind: 'string', sortable: true },
  visible: { kind: 'integer', sortable: true },
  guid: { kind: 'string', sortable: false },
  sortorder: { kind: 'integer', sortable: true },
  version: { kind: 'integer', sortable: true },
  usermodified: { kind: 'integer', sortable: true },
  timecreated: { kind: 'integer', sortable: true },
  timemodified: { kind: 'integer', sortable: true },
}

/** Metadata keys (§7.2). */
export const METADATA_KEY = /^[a-z][a-z0-9_]{0,99}$/

/** True when `key` may name a metadata key. */
export function isMetadataKey(key: string): boolean {
  return METADATA_KEY.test(key) && !CORE_FIELD_SET.has(key) && key !== 'metadata'
}
