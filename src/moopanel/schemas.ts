/**
 * JSON Schemas of the management API's values (moopanel-api.md §3.5, §4.0): used by the route
 * table to check requests and to describe answers, and by the OpenAPI document. Plain JSON Schema
 * 2020-12 objects, so that Ajv checks exactly what the document publishes.
 */
export type JsonSchema = Record<string, unknown>

/** 1..2147483647 written with 1–10 decimal digits (leading zeros allowed, as `idValue` reads them). */
const ID_DIGITS =
  '^(?=\\d{1,10}$)0*(?:[1-9]\\d{0,8}|1\\d{9}|20\\d{8}|21[0-3]\\d{7}|214[0-6]\\d{6}|2147[0-3]\\d{5}|21474[0-7]\\d{4}|214748[0-2]\\d{3}|2147483[0-5]\\d{2}|21474836[0-3]\\d|214748364[0-7])$'

/** An id value (§3.5 rule 5): a JSON integer or a digit string, 1..2147483647. */
export const ID_VALUE: JsonSchema = {
  description: 'id value: a JSON integer or a string of 1–10 decimal digits, in 1..2147483647',
  anyOf: [{ type: 'integer', minimum: 1, maximum: 2147483647 }, { type: 'string', pattern: ID_DIGITS }],
}

/** An id value sent in the query string. */
export const ID_TEXT: JsonSchema = { type: 'string', pattern: ID_DIGITS }

/** An optional id value that may also be null. */
export const NULLABLE_ID_VALUE: JsonSchema = { anyOf: [{ type: 'null' }, ID_VALUE] }

/** An id as the service answers it. */
export const ID: JsonSchema = { type: 'integer', minimum: 1, maximum: 2147483647 }

export const STRING: JsonSchema = { type: 'string' }
export const NULLABLE_STRING: JsonSchema = { type: ['string', 'null'] }
export const INTEGER: JsonSchema = { type: 'integer' }
export const NULLABLE_INTEGER: JsonSchema = { type: ['integer', 'null'] }
export const BOOLEAN: JsonSchema = { type: 'boolean' }
export const TRUE: JsonSchema = { const: true }

/** An object whose listed keys are all present, and no others. */
export function object(properties: Record<string, JsonSchema>, optional: readonly string[] = []): JsonSchema {
  return {
    type: 'object',
    properties,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    additionalProperties: false,
  }
}

export function arrayOf(items: JsonSchema): JsonSchema {
  return { type: 'array', items }
}

/** `{"error": message}`, every error answer but 500 (§3.7). */
export const ERROR_BODY: JsonSchema = object({ error: STRING })

/** The 500 answer: the message and the request id. */
export const INTERNAL_ERROR_BODY: JsonSchema = object({ error: { const: 'Internal server error.' }, request_id: STRING })

/** A raw Moodle row (§3.9): every column a string or null. */
export const RAW_ROW: JsonSchema = { type: 'object', additionalProperties: NULLABLE_STRING }

const MATURITY: JsonSchema = { enum: [50, 100, 150, 200] }

/** UpdateInfo (§4.0). */
export const UPDATE_INFO: JsonSchema = object({
  component: STRING,
  version: STRING,
  release: NULLABLE_STRING,
  maturity: MATURITY,
  url: NULLABLE_STRING,
  download: NULLABLE_STRING,
  downloadmd5: NULLABLE_STRING,
  type: { const: 'plugin' },
})

/** CoreUpdateInfo (§4.0), with the misspelt `compotent` key MooPanel reads. */
export const CORE_UPDATE_INFO: JsonSchema = object({
  compotent: { const: 'core' },
  component: { const: 'core' },
  version: STRING,
  type: { enum: ['core-mega', 'core-major', 'core-minor'] },
  release: NULLABLE_STRING,
  maturity: MATURITY,
  url: NULLABLE_STRING,
  download: NULLABLE_STRING,
  downloadmd5: NULLABLE_STRING,
})

/** UpgradeLogRow (§4.0). */
export const UPGRADE_LOG_ROW: JsonSchema = object({
  id: INTEGER,
  type: { enum: [0, 1, 2] },
  plugin: STRING,
  version: NULLABLE_STRING,
  targetversion: NULLABLE_STRING,
  info: STRING,
  details: NULLABLE_STRING,
  backtrace: NULLABLE_STRING,
  userid: NULLABLE_INTEGER,
  timemodified: INTEGER,
  username: NULLABLE_STRING,
  email: NULLABLE_STRING,
})

/** The answer of an asynchronous endpoint that created one job. */
export function jobAccepted(message: string): JsonSchema {
  return object({ status: TRUE, moodle_job_id: ID, message: { const: message } })
}
