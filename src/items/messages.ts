/**
 * The message table of items-api.md §10.3 and the error selection and ordering of §10.4. Every
 * validation error of the API (body, query, filters) is a `Violation` built here.
 */

const TEMPLATES = {
  required: 'The :attribute field is required.',
  string: 'The :attribute field must be a string.',
  integer: 'The :attribute field must be an integer.',
  numeric: 'The :attribute field must be a number.',
  boolean: 'The :attribute field must be true or false.',
  array: 'The :attribute field must be an array.',
  object: 'The :attribute field must be an object.',
  email: 'The :attribute field must be a valid email address.',
  url: 'The :attribute field must be a valid URL.',
  uuid: 'The :attribute field must be a valid UUID.',
  date: 'The :attribute field must be a valid date.',
  date_time: 'The :attribute field must be a valid date and time.',
  time: 'The :attribute field must be a valid time.',
  ip: 'The :attribute field must be a valid IP address.',
  hostname: 'The :attribute field must be a valid hostname.',
  json: 'The :attribute field must be a valid JSON string.',
  'min.string': 'The :attribute field must be at least :min characters.',
  'max.string': 'The :attribute field must not be greater than :max characters.',
  'min.numeric': 'The :attribute field must be at least :min.',
  'max.numeric': 'The :attribute field must not be greater than :max.',
  'gt.numeric': 'The :attribute field must be greater than :value.',
  'lt.numeric': 'The :attribute field must be less than :value.',
  multiple_of: 'The :attribute field must be a multiple of :value.',
  'min.array': 'The :attribute field must have at least :min items.',
  'max.array': 'The :attribute field must not have more than :max items.',
  'max.keys': 'The :attribute field must not have more than :max keys.',
  depth: 'The :attribute field is nested too deeply.',
  distinct: 'The :attribute field has a duplicate value.',
  in: 'The selected :attribute is invalid.',
  regex: 'The :attribute field format is invalid.',
  required_with: 'The :attribute field is required when :values is present.',
  prohibited: 'The :attribute field is prohibited.',
  key: 'The :attribute key is invalid.',
  immutable: 'The :attribute field cannot be changed.',
  exists: 'The selected :attribute is invalid.',
  unique: 'The :attribute has already been taken.',
  parent_cycle: 'The :attribute field must not refer to the item itself or to one of its descendants.',
  invalid: 'The :attribute field is invalid.',
  filter_field: 'The :attribute field cannot be used in filters.',
  filter_operator: 'The :attribute operator is not supported.',
  filter_needs_type: 'The :attribute field requires the type parameter.',
  sort_field: 'The sort field :value is not sortable.',
  fields_field: 'The fields value :value is unknown.',
  duplicate: 'The :attribute field contains :value more than once.',
  single: 'The :attribute field must be given only once.',
} as const

/** A rule key of §10.3. */
export type Rule = keyof typeof TEMPLATES

/** The rules in the order of the table, for §10.4 ordering. */
const RULE_ORDER = new Map<string, number>(Object.keys(TEMPLATES).map((rule, i) => [rule, i]))
const EXCLUSIVE = new Set(['required', 'string', 'integer', 'numeric', 'boolean', 'array', 'object'])

export type MessageParams = Record<string, string | number>

/** One validation error (§10.5). */
export interface Violation {
  field: string
  rule: string
  message: string
  params: MessageParams
}

/** Formats the message of `rule` for `attribute` (unknown rules use the `invalid` template). */
export function message(rule: string, attribute: string, params: MessageParams = {}): string {
  const template: string = (TEMPLATES as Record<string, string>)[rule] ?? TEMPLATES.invalid
  return template.replace(/:(attribute|min|max|value|values)\b/g, (_m, name: string) =>
    name === 'attribute' ? attribute : params[name] === undefined ? `:${name}` : String(params[name]),
  )
}

/** A violation of `rule` at `field`. */
export function violation(field: string, rule: Rule | string, params: MessageParams = {}): Violation {
  return { field, rule, message: message(rule, field, params), params }
}

/**
 * §10.4: per field, a required or type error is the only one; otherwise every failing rule once,
 * in table order; fields in code-point order. Violations with custom messages (extension
 * validators) keep their order after the table's rules.
 */
export function selectViolations(all: Violation[]): Violation[] {
  const byField = new Map<string, Violation[]>()
  for (const v of all) {
    const list = byField.get(v.field)
    if (list) list.push(v)
    else byField.set(v.field, [v])
  }
  const out: Violation[] = []
  for (const field of [...byField.keys()].sort(codePointCompare)) {
    const list = byField.get(field)!
    const exclusive = list.find((v) => EXCLUSIVE.has(v.rule))
    if (exclusive) {
      out.push(exclusive)
      continue
    }
    const seen = new Set<string>()
    const ordered = [...list].sort((a, b) => (RULE_ORDER.get(a.rule) ?? 999) - (RULE_ORDER.get(b.rule) ?? 999))
    for (const v of ordered) {
      const key = `${v.rule}\u0000${v.message}`
      if (seen.has(key)) continue
      seen.add(key)
      out.push(v)
    }
  }
  return out
}

/** `errors` of the envelope: field → messages, keys in code-point order. */
export function errorsOf(violations: Violation[]): Record<string, string[]> {
  const errors: Record<string, string[]> = {}
  for (const v of violations) (errors[v.field] ??= []).push(v.message)
  return errors
}

/** The top-level message: the first message, plus ` (and N more error[s])`. */
export function summaryMessage(violations: Violation[]): string {
  const first = violations[0]?.message ?? 'The given data was invalid.'
  const more = violations.length - 1
  if (more <= 0) return first
  return `${first} (and ${more} more ${more === 1 ? 'error' : 'errors'})`
}

/** Compares strings by Unicode code point (not UTF-16 code unit). */
export function codePointCompare(a: string, b: string): number {
  if (a === b) return 0
  const ia = a[Symbol.iterator]()
  const ib = b[Symbol.iterator]()
  for (;;) {
    const x = ia.next()
    const y = ib.next()
    if (x.done) return y.done ? 0 : -1
    if (y.done) return 1
    const cx = x.value.codePointAt(0)!
    const cy = y.value.codePointAt(0)!
    if (cx !== cy) return cx < cy ? -1 : 1
  }
}
