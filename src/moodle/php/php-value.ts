/** An ordered PHP array: keys are ints (`number`) or strings, in insertion order, as in PHP. */
export type PhpArray = Map<string | number, PhpValue>

/**
 * A PHP literal value as read by the subset parser. Integers are `number` when they fit in a
 * double exactly and `bigint` beyond that (up to PHP_INT_MAX); floats are `number` too, so an
 * integral float (`2024100706.00`) cannot be told apart from an int: keep the literal text where
 * that matters (see `PhpStatement.numberText`).
 */
export type PhpValue = string | number | bigint | boolean | null | PhpArray

/** JSON form of a PHP value, see `phpToJson`. */
export type PhpJson = string | number | boolean | null | PhpJson[] | { [key: string]: PhpJson }

/**
 * PHP's string conversion (`(string) $v`): true → '1', false and null → '', floats with PHP's
 * default `precision` of 14 significant digits (`0.1 + 0.2` → '0.3', `1e25` → '1.0E+25').
 * Safe integers print as integers; a float literal of 1e15 or more that happens to be integral
 * therefore prints as digits, where PHP would print `1.0E+15`. Arrays become 'Array', as in PHP.
 */
export function phpToString(value: PhpValue): string {
  if (value === null || value === false) return ''
  if (value === true) return '1'
  if (typeof value === 'string') return value
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'number') return phpNumberToString(value)
  return 'Array'
}

function phpNumberToString(value: number): string {
  if (Number.isNaN(value)) return 'NAN'
  if (value === Infinity) return 'INF'
  if (value === -Infinity) return '-INF'
  if (Object.is(value, -0)) return '-0'
  if (Number.isSafeInteger(value)) return String(value)
  // printf("%.14G"): scientific when the exponent is below -4 or at least the precision.
  const rounded = Number(value.toPrecision(14))
  const [mantissa = '0', exponentText = '0'] = rounded.toExponential().split('e')
  const exponent = Number(exponentText)
  if (exponent < -4 || exponent >= 14) {
    const digits = mantissa.includes('.') ? mantissa : `${mantissa}.0`
    return `${digits}E${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`
  }
  return String(rounded)
}

/**
 * PHP truthiness (`(bool) $v`, `!empty($v)`): false for false, null, 0, 0.0, '', '0' and the
 * empty array; true for everything else.
 */
export function phpIsTruthy(value: PhpValue): boolean {
  if (value === null || value === false) return false
  if (typeof value === 'string') return value !== '' && value !== '0'
  if (typeof value === 'number') return value !== 0 // NAN is truthy in PHP
  if (typeof value === 'bigint') return value !== 0n
  if (value instanceof Map) return value.size > 0
  return true
}

/**
 * A plain JSON form for logging and debugging: a PHP list (keys 0…n-1 in order) becomes an
 * array, any other PHP array an object with string keys; bigints become numbers when exact,
 * else strings; NAN and INF become the strings PHP prints for them.
 */
export function phpToJson(value: PhpValue): PhpJson {
  if (value instanceof Map) {
    if (isPhpList(value)) return [...value.values()].map(phpToJson)
    const object: { [key: string]: PhpJson } = {}
    for (const [key, item] of value) object[String(key)] = phpToJson(item)
    return object
  }
  if (typeof value === 'bigint') {
    const asNumber = Number(value)
    return Number.isSafeInteger(asNumber) ? asNumber : value.toString()
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return phpToString(value)
  return value
}

/** True when the array's keys are exactly 0, 1, 2, … in order (PHP's `array_is_list()`). */
export function isPhpList(array: PhpArray): boolean {
  let expected = 0
  for (const key of array.keys()) {
    if (key !== expected) return false
    expected++
  }
  return true
}

const INT64_MAX = 2n ** 63n - 1n
const INT64_MIN = -(2n ** 63n)

/**
 * The key PHP stores for a value used as an array key: canonical decimal integer strings
 * ('5', '-3', not '05' or '+5') become ints, floats are truncated, booleans become 0/1 and null
 * becomes ''. Integer keys outside the safe double range are kept as their decimal string (PHP
 * would store an int; both spellings of such a key still meet on the same string). Returns
 * undefined for an array, which PHP refuses as a key.
 */
export function phpArrayKey(value: PhpValue): string | number | undefined {
  if (typeof value === 'string') {
    if (!/^(?:0|-?[1-9][0-9]*)$/.test(value)) return value
    const asNumber = Number(value)
    if (Number.isSafeInteger(asNumber)) return asNumber
    const asBigint = BigInt(value)
    return asBigint >= INT64_MIN && asBigint <= INT64_MAX ? asBigint.toString() : value
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 0
    const truncated = Math.trunc(value)
    return Number.isSafeInteger(truncated) ? truncated || 0 : BigInt(truncated).toString()
  }
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value === null) return ''
  return undefined
}
