import { timingSafeEqual } from 'node:crypto'

/**
 * Whether two strings are equal byte for byte (UTF-8), in time independent of where they differ.
 * Strings of different byte lengths are unequal at once (the length is not secret).
 */
export function equalsInConstantTime(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8')
  const y = Buffer.from(b, 'utf8')
  return x.length === y.length && timingSafeEqual(x, y)
}
