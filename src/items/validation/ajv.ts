import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { violation, type Violation } from '../messages.ts'

/** The formats a type may use (§14.3); any other is a start-up error. */
export const ALLOWED_FORMATS = ['date', 'time', 'date-time', 'email', 'uri', 'uuid', 'ipv4', 'ipv6', 'hostname'] as const
export const MOODLE_REF_KINDS = ['context', 'course', 'course_category', 'cohort', 'user', 'item'] as const

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020, formats: readonly string[]) => void

/** A strict draft 2020-12 Ajv with the allowed formats and the `x-moodle-ref` keyword. */
export function createAjv(options: { coerceTypes?: boolean; removeAdditional?: boolean } = {}): Ajv2020 {
  const ajv = new Ajv2020({
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    allErrors: true,
    coerceTypes: options.coerceTypes ?? false,
    removeAdditional: options.removeAdditional ? 'all' : false,
    useDefaults: false,
    validateFormats: true,
  })
  addFormats(ajv, ALLOWED_FORMATS)
  ajv.addKeyword({ keyword: 'x-moodle-ref', schemaType: 'string', metaSchema: { enum: [...MOODLE_REF_KINDS] } })
  // OpenAPI annotations that extension schemas may carry.
  ajv.addKeyword({ keyword: 'example' })
  return ajv
}

const TYPE_RULES: Record<string, string> = {
  string: 'string', integer: 'integer', number: 'numeric', boolean: 'boolean', array: 'array', object: 'object',
}
const FORMAT_RULES: Record<string, string> = {
  email: 'email', uri: 'url', uuid: 'uuid', date: 'date', 'date-time': 'date_time', time: 'time', ipv4: 'ip', ipv6: 'ip', hostname: 'hostname',
}
/** Keywords whose sub-errors are replaced by one `invalid` for the combinator itself. */
const COMBINATOR_SEGMENT = /\/(anyOf|oneOf|not|then|else|contains|propertyNames|if)\//

function pathOf(prefix: string, instancePath: string): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
  return [prefix, ...parts].filter((p) => p !== '').join('.')
}

const join = (a: string, b: string) => (a === '' ? b : `${a}.${b}`)

/** Ajv errors as violations of §10.3, field paths prefixed with `prefix` (e.g. `metadata`). */
export function violationsFromAjv(errors: ErrorObject[] | null | undefined, prefix = ''): Violation[] {
  const out: Violation[] = []
  for (const e of errors ?? []) {
    if (COMBINATOR_SEGMENT.test(e.schemaPath)) continue
    const at = pathOf(prefix, e.instancePath)
    const p = e.params as Record<string, unknown>
    switch (e.keyword) {
      case 'type': {
        const types = String(p.type).split(',').filter((t) => t !== 'null')
        out.push(violation(at, TYPE_RULES[types[0] ?? ''] ?? 'invalid'))
        break
      }
      case 'required':
        out.push(violation(join(at, String(p.missingProperty)), 'required'))
        break
      case 'minLength':
        out.push(Number(p.limit) === 1 ? violation(at, 'required') : violation(at, 'min.string', { min: Number(p.limit) }))
        break
      case 'maxLength':
        out.push(violation(at, 'max.string', { max: Number(p.limit) }))
        break
      case 'minimum':
        out.push(violation(at, 'min.numeric', { min: Number(p.limit) }))
        break
      case 'maximum':
        out.push(violation(at, 'max.numeric', { max: Number(p.limit) }))
        break
      case 'exclusiveMinimum':
        out.push(violation(at, 'gt.numeric', { value: Number(p.limit) }))
        break
      case 'exclusiveMaximum':
        out.push(violation(at, 'lt.numeric', { value: Number(p.limit) }))
        break
      case 'multipleOf':
        out.push(violation(at, 'multiple_of', { value: Number(p.multipleOf) }))
        break
      case 'minItems':
        out.push(violation(at, 'min.array', { min: Number(p.limit) }))
        break
      case 'maxItems':
        out.push(violation(at, 'max.array', { max: Number(p.limit) }))
        break
      case 'maxProperties':
        out.push(violation(at, 'max.keys', { max: Number(p.limit) }))
        break
      case 'uniqueItems':
        out.push(violation(at, 'distinct'))
        break
      case 'enum':
      case 'const':
        out.push(violation(at, 'in'))
        break
      case 'pattern':
        out.push(violation(at, 'regex'))
        break
      case 'format':
        out.push(violation(at, FORMAT_RULES[String(p.format)] ?? 'invalid'))
        break
      case 'dependentRequired':
        out.push(violation(join(at, String(p.missingProperty)), 'required_with', { values: join(at, String(p.property)) }))
        break
      case 'additionalProperties':
      case 'unevaluatedProperties':
        out.push(violation(join(at, String(p.additionalProperty ?? p.unevaluatedProperty)), 'prohibited'))
        break
      default:
        out.push(violation(at, 'invalid'))
    }
  }
  return out
}
