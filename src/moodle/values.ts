/** Normalisers for driver differences (pg: BIGINT as string; mysql2/PGlite: number or bigint). */

/** A Moodle integer column as a JS number (ids and timestamps fit in 2^53). */
export function toInt(value: unknown): number {
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') return Number(value)
  if (typeof value === 'string' && value.trim() !== '') return Number(value)
  return 0
}

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
