/** Normalisers for driver differences (pg: BIGINT as string; mysql2/PGlite: number or bigint); integers: `dbInt` (src/shared/db-integer.ts). */

/** A raw Moodle value as the original plugin put it on the wire: a string, or null for SQL NULL. */
export function toWireString(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  if (typeof value === 'boolean') return value ? '1' : '0'
  if (value instanceof Date) return String(Math.floor(value.getTime() / 1000))
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8')
  return String(value)
}
