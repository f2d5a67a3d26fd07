import type { PhpAssignTarget } from './parse-php-subset.ts'
import { PhpSubsetError } from './php-subset-error.ts'
import type { PhpArray, PhpValue } from './php-value.ts'

/**
 * Applies `$obj->name = value` or `$obj->name['a']['b'] = value` to the object's properties as PHP
 * does: missing (or null/false) levels become new arrays, existing arrays get the key set in place.
 * Writing a key into a string, number or true is a PHP error, reported as PhpSubsetError.
 */
export function assignPhpProperty(
  properties: Map<string, PhpValue>,
  target: PhpAssignTarget & { property: string },
  value: PhpValue,
  where: { file: string; line: number },
): void {
  const [first, ...rest] = target.keys
  if (first === undefined) {
    properties.set(target.property, value)
    return
  }
  let container = arrayAt(properties.get(target.property), where, target)
  properties.set(target.property, container)
  let key: string | number = first
  for (const next of rest) {
    const child = arrayAt(container.get(key), where, target)
    container.set(key, child)
    container = child
    key = next
  }
  container.set(key, value)
}

function arrayAt(
  current: PhpValue | undefined,
  where: { file: string; line: number },
  target: PhpAssignTarget & { property: string },
): PhpArray {
  if (current instanceof Map) return current
  if (current === undefined || current === null || current === false) return new Map()
  const keys = target.keys.map((key) => (typeof key === 'number' ? `[${key}]` : `['${key}']`)).join('')
  throw new PhpSubsetError(
    where.file,
    where.line,
    target.property + keys,
    `$${target.variable}->${target.property}${keys} sets an array key inside a value that is not an array`,
  )
}
