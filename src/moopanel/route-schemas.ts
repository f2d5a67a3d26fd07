/** Request and answer schemas of the endpoints of moopanel-api.md §4, named for the route table. */
import type { Field } from './route-types.ts'
import {
  arrayOf, BOOLEAN, CORE_UPDATE_INFO, ID_VALUE, INTEGER, NULLABLE_ID_VALUE, NULLABLE_INTEGER, NULLABLE_STRING, object,
  RAW_ROW, STRING, TRUE, UPDATE_INFO, UPGRADE_LOG_ROW, type JsonSchema,
} from './schemas.ts'

export * from './schemas.ts'

const NULLABLE_NUMBER: JsonSchema = { type: ['number', 'null'] }
const NULLABLE_JOB_ID: JsonSchema = { type: ['integer', 'null'] }
const BRANCHES: JsonSchema = { anyOf: [{ type: 'null' }, { type: 'array', items: INTEGER, minItems: 2, maxItems: 2 }] }

/** A flag parameter: on when present (§3.6). */
export const FLAG: JsonSchema = { type: 'string' }
export const DIGITS: JsonSchema = { type: 'string', pattern: '^\\d+$' }
export const NON_EMPTY_STRING: JsonSchema = { type: 'string', minLength: 1 }
export const NON_EMPTY_ARRAY: JsonSchema = { type: 'array', minItems: 1 }
/** An array, or an object keyed by digit strings, with at least one element (§4.19). */
export const NON_EMPTY_COLLECTION: JsonSchema = { anyOf: [{ type: 'array', minItems: 1 }, { type: 'object', minProperties: 1 }] }
export const ANY_OBJECT: JsonSchema = { type: 'object' }

/** A request object: the listed fields, unknown keys ignored (§3.5). */
function fields(properties: Record<string, JsonSchema>, required: string[]): JsonSchema {
  return { type: 'object', properties, required }
}

export const PLUGIN_PARAM: Field = { name: 'plugin', schema: STRING, required: true, description: 'component name', check: { message: 'Plugin not specified.' } }

export const SITE = object({ url: STRING, site_fullname: STRING, logo: NULLABLE_STRING, theme: NULLABLE_STRING, moodle_version: NULLABLE_STRING })
export const DASHBOARD = object({
  url: STRING, site_fullname: STRING, site_shortname: STRING, logo: NULLABLE_STRING, logocompact: NULLABLE_STRING,
  theme: NULLABLE_STRING, moodle_version: NULLABLE_STRING,
})

export const KEY_STATUS = object({ key_expiration_date: STRING })
export const KEY_EXPIRY: JsonSchema = {
  description: 'null, 0, false or "" for permanent; else a timestamp as integer or digit string, 1..9007199254740991',
  anyOf: [
    { type: 'null' }, { const: 0 }, { const: false }, { const: '' },
    { type: 'integer', minimum: 1, maximum: 9007199254740991 }, { type: 'string', pattern: '^\\d+$' },
  ],
}
export const KEY_RECORDED = object({ status: TRUE, key_expiration_date: { anyOf: [{ type: 'integer' }, { const: 'permanent' }] } })

export const USERS_ONLINE = object({ all_users: INTEGER, online: INTEGER })
export const USERS_COUNT = object({ number_of_users: INTEGER })
export const USERS_LIST = object(
  { number_of_users: INTEGER, users: arrayOf(RAW_ROW), page: INTEGER, perpage: INTEGER, total_users: INTEGER },
  ['page', 'perpage', 'total_users'],
)
export const USER = object({ user: RAW_ROW })

export const PLUGINS = object({
  last_check_for_updates: NULLABLE_STRING,
  plugins: arrayOf(object({
    plugin: STRING, plugintype: STRING, display_name: STRING, component: STRING, version: STRING,
    enabled: BOOLEAN, is_standard: BOOLEAN, has_updates: BOOLEAN, settings_section: NULLABLE_STRING, directory: NULLABLE_STRING,
    update_available: arrayOf(UPDATE_INFO), update_log: arrayOf(UPGRADE_LOG_ROW),
  }, ['update_available', 'update_log'])),
})

export const PLUGIN_UPDATE_ITEMS: JsonSchema = {
  type: 'array', minItems: 1,
  items: fields({
    model_id: ID_VALUE,
    component: { type: 'string', pattern: '^[a-z][a-z0-9]*_[a-z][a-z0-9_]*$' },
    version: { anyOf: [{ type: 'string', pattern: '^\\d{1,12}$' }, { type: 'integer', minimum: 0, maximum: 999999999999 }] },
    release: {},
    download: { type: ['string', 'null'], description: 'at most 2048 characters' },
  }, ['model_id', 'component', 'version']),
}
export const ZIP_URLS: JsonSchema = { type: 'array', minItems: 1, items: { type: 'string', description: 'absolute http(s) URL, at most 2048 characters' } }
export const USERNAME: JsonSchema = { type: ['string', 'null'], maxLength: 255 }

export const PLUGIN = object({
  plugininfo: object({
    type: STRING, typerootdir: STRING, name: STRING, displayname: STRING, source: { enum: ['std', 'ext'] },
    rootdir: NULLABLE_STRING, versiondisk: NULLABLE_NUMBER, versiondb: NULLABLE_STRING, versionrequires: NULLABLE_NUMBER,
    pluginsupported: BRANCHES, pluginincompatible: NULLABLE_NUMBER, release: NULLABLE_STRING, dependencies: { type: 'object' },
    instances: {}, sortorder: NULLABLE_INTEGER, supported: BRANCHES, incompatible: NULLABLE_NUMBER, component: STRING,
  }),
  last_check_for_updates: NULLABLE_STRING,
  update_available: arrayOf(UPDATE_INFO),
  update_log: arrayOf(UPGRADE_LOG_ROW),
  pluginconfig: { type: 'object', additionalProperties: NULLABLE_STRING },
}, ['last_check_for_updates', 'update_available', 'update_log', 'pluginconfig'])
export const UNINSTALLED = object({ uninstalled: BOOLEAN, removed: BOOLEAN })

export const MOODLE_CORE = object({
  current_version: STRING, current_release: STRING, last_check_for_updates: NULLABLE_STRING,
  update_available: arrayOf(CORE_UPDATE_INFO), update_log: arrayOf(UPGRADE_LOG_ROW),
})
export const CORE_VERSION: JsonSchema = { description: 'compared numerically with the stored core versions', anyOf: [{ type: 'number' }, { type: 'string', pattern: '\\S' }] }

export const PRESET_ACCEPTED = object({ status: TRUE, message: { const: 'Admin presets creation in progress' }, moodle_job_id: NULLABLE_JOB_ID })

export const TASK_ID: JsonSchema = { type: 'string', not: { const: '0' } }
export const TASK_STATE = object({ status: { enum: [1, 2, 3, 4] }, error: { type: 'string', maxLength: 255 } })

export const COURSES = object({
  number_of_categories: INTEGER,
  number_of_courses: INTEGER,
  categories: arrayOf(object({ id: INTEGER, parent: INTEGER, name: STRING, sort: INTEGER, path: STRING, depth: INTEGER })),
  courses: arrayOf(object({ id: INTEGER, category: INTEGER, name: STRING })),
}, ['categories', 'courses'])

export const BACKUPS_IN_PROGRESS = object({ backups_in_progress: arrayOf(object({ id: INTEGER, message: { const: 'in progress' } })) })
export const BACKUP_MODE: JsonSchema = { enum: ['manual', 'auto'] }
export const LOCAL_STORAGE: JsonSchema = { enum: ['local', null] }
export const COURSE_IDS: JsonSchema = { type: 'array', minItems: 1, items: ID_VALUE }
export const BACKUPS_CREATED = object({
  backups: arrayOf(object({ id: INTEGER, status: { const: 200 }, moodle_job_id: NULLABLE_JOB_ID, message: { const: 'Backup will be created.' } })),
  errors: arrayOf(object({ id: INTEGER, status: { enum: [404, 204] }, message: { enum: ['Course not exist.', 'Course not need backup.'] } })),
})
export const LINK: JsonSchema = { type: 'string', minLength: 1, maxLength: 255, description: 'relative path of a .zip file under moopanel_course_backups (link rule of §4.18)' }
export const RESTORE_ACCEPTED = object({ status: TRUE, message: { const: 'Course backup will be restored.' }, moodle_job_id: NULLABLE_JOB_ID })

const STORAGE = fields({ storage_id: ID_VALUE, storage_key: STRING, credentials: {} }, ['storage_id', 'storage_key'])
const BACKUP_ITEM = fields({ backup_result_id: ID_VALUE, storage_id: ID_VALUE, link: STRING, storage_key: {} }, ['backup_result_id', 'storage_id', 'link'])
export const STORAGES: JsonSchema = { anyOf: [{ type: 'array', minItems: 1, items: STORAGE }, { type: 'object', minProperties: 1, additionalProperties: STORAGE }] }
export const BACKUP_ITEMS: JsonSchema = {
  description: 'an array, or an object keyed by digit strings taken in key order',
  anyOf: [{ type: 'array', minItems: 1, items: BACKUP_ITEM }, { type: 'object', minProperties: 1, additionalProperties: BACKUP_ITEM }],
}
export const BACKUPS_DELETED = object({
  backups: arrayOf(object({ backup_result_id: INTEGER, status: BOOLEAN, message: STRING, moodle_job_id: NULLABLE_INTEGER })),
})
