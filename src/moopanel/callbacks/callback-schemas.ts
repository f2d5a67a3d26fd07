/**
 * JSON Schemas of the callback bodies built in callback-bodies.ts (moopanel-api.md §6.2–6.8), for the
 * OpenAPI document's `webhooks`. Each schema states what its builder guarantees: every key present,
 * ids in 1..2147483647, stored texts at most 255 code points.
 */
import type { JsonSchema } from '../schemas.ts'
import { CALLBACK_TEXT_MAX } from './callback-bodies.ts'

const ID: JsonSchema = { type: 'integer', minimum: 1, maximum: 2147483647 }
const NULLABLE_ID: JsonSchema = { anyOf: [{ type: 'null' }, ID] }
const TEXT: JsonSchema = { type: 'string', minLength: 1, maxLength: CALLBACK_TEXT_MAX }
const NULLABLE_TEXT: JsonSchema = { type: ['string', 'null'], maxLength: CALLBACK_TEXT_MAX }
const BOOLEAN: JsonSchema = { type: 'boolean' }
const EMAIL_OR_NULL: JsonSchema = { type: ['string', 'null'], maxLength: CALLBACK_TEXT_MAX, description: 'echoed when it is an e-mail address, else null' }

function body(properties: Record<string, JsonSchema>): JsonSchema {
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false }
}

/** One webhook of §6: its path under `moopanel_url`, its body and media type. */
export interface CallbackSpec {
  name: string
  section: string
  path: string
  summary: string
  media: 'application/json' | 'application/xml'
  schema: JsonSchema
}

export const CALLBACK_SPECS: readonly CallbackSpec[] = [
  {
    name: 'backupCreated', section: '6.2', path: '/api/backups/courses/{instance_id}', summary: 'A backup_course job ended',
    media: 'application/json',
    schema: body({
      status: BOOLEAN, courseid: ID,
      link: { ...TEXT, description: '"<mode>/<file>.zip", or "-" on failure' },
      password: { type: 'string', minLength: 1, description: '1–23 bytes; "-" on failure' },
      filesize: { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 0, maximum: 2147483647 }] },
      message: NULLABLE_TEXT,
    }),
  },
  {
    name: 'restoreFinished', section: '6.3', path: '/api/backups/restore/instance/{instance_id}', summary: 'A backup_course_restore job ended',
    media: 'application/json',
    schema: body({ status: BOOLEAN, user_id: NULLABLE_ID, backup_result_id: NULLABLE_ID, courseid: ID, message: TEXT }),
  },
  {
    name: 'deletionFinished', section: '6.4', path: '/api/backups/delete/instance/{instance_id}', summary: 'One item of a backup_course_delete job ended',
    media: 'application/json',
    schema: body({ status: BOOLEAN, user_id: NULLABLE_ID, backup_result_id: NULLABLE_ID, message: TEXT }),
  },
  {
    name: 'coreUpdateFinished', section: '6.5', path: '/api/updates/core/instance/{instance_id}', summary: 'A core_update job ended',
    media: 'application/json',
    schema: body({ status: BOOLEAN, moodle_job_id: ID, user_id: NULLABLE_ID, update_id: ID, message: TEXT }),
  },
  {
    name: 'pluginUpdatesFinished', section: '6.6', path: '/api/updates/plugins/instance/{instance_id}', summary: 'A plugins_update job ended',
    media: 'application/json',
    schema: body({
      moodle_job_id: ID, user_id: NULLABLE_ID, username: EMAIL_OR_NULL,
      updates: { type: 'array', minItems: 1, items: body({ model_id: ID, status: BOOLEAN, component: { type: 'string', minLength: 1 }, error: NULLABLE_TEXT }) },
    }),
  },
  {
    name: 'zipInstallsFinished', section: '6.7', path: '/api/updates/zip-plugins/instance/{instance_id}', summary: 'A plugins_install_zip job ended',
    media: 'application/json',
    schema: body({
      moodle_job_id: ID, user_id: NULLABLE_ID, username: EMAIL_OR_NULL,
      updates: {
        type: 'array', minItems: 1,
        items: body({
          link: { type: 'string', description: 'the URL exactly as received' }, status: BOOLEAN,
          component: { type: 'string', minLength: 1, description: 'detected component, or "unknown"' },
          version: { type: ['string', 'null'] }, error: NULLABLE_TEXT,
        }),
      },
    }),
  },
  {
    name: 'adminPreset', section: '6.8', path: '/api/instances/{instance_id}/admin_preset', summary: 'An admin_presets_create job built the XML document',
    media: 'application/xml',
    schema: { type: 'string', description: 'the admin preset XML document (§5.9), UTF-8' },
  },
]
