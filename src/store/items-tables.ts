import type { Generated } from 'kysely'

/**
 * Types of the Items API's tables (items-api.md §13), typed as `items_x` and living as
 * `<items_table_prefix>x`. BIGINT columns are strings on pg and numbers on mysql2 and PGlite.
 */
export interface ItemsTables {
  items_items: {
    id: Generated<number | string>
    type: string
    contextid: number | string | null
    courseid: number | string | null
    userid: number | string | null
    parent: number | string | null
    fullname: string | null
    shortname: string | null
    idnumber: string | null
    /** Internal: a copy of idnumber when the type declares uniqueIdnumber, else null. */
    idnumberunique: string | null
    description: string | null
    descriptionformat: number
    status: string
    visible: number
    guid: string
    sortorder: number
    version: number
    usermodified: number | string
    timecreated: number | string
    timemodified: number | string
  }
  items_itemmeta: {
    id: Generated<number | string>
    itemid: number | string
    name: string
    valuetype: 'string' | 'int' | 'float' | 'bool' | 'json'
    value_string: string | null
    value_index: string | null
    value_int: number | string | null
    value_float: number | null
    value_json: string | null
  }
  items_item_audit: {
    id: Generated<number | string>
    itemid: number | string
    itemtype: string
    action: 'create' | 'update' | 'delete'
    oldversion: number | null
    newversion: number | null
    userid: number | string
    authmethod: 'jwt' | 'wstoken' | 'session'
    credentialref: string | null
    ip: string
    requestid: string
    changes: string
    timecreated: number | string
  }
}

/** Which unique index a driver error violated, or null when it is not a unique violation. */
export function itemsUniqueViolation(error: unknown): 'guid' | 'idnumber' | 'other' | null {
  const e = error as { code?: unknown; errno?: unknown; constraint?: unknown; message?: unknown; sqlMessage?: unknown }
  const pgUnique = e?.code === '23505'
  const myUnique = e?.errno === 1062 || e?.code === 'ER_DUP_ENTRY'
  if (!pgUnique && !myUnique) return null
  const text = `${String(e.constraint ?? '')} ${String(e.sqlMessage ?? e.message ?? '')}`
  if (text.includes('items_guid_uix')) return 'guid'
  if (text.includes('items_idnuniq_uix')) return 'idnumber'
  return 'other'
}
