/**
 * Database integers as JS numbers, the one conversion for every driver: pg returns BIGINT (and
 * COUNT) as a string, mysql2 and PGlite a number or a bigint, Kysely's affected-row counts are
 * bigints. Ids, timestamps and counts fit in 2^53, so a number is exact.
 */
export type DbIntValue = number | bigint | string

/**
 * A database integer as a number: numbers as they are, bigints and numeric strings converted.
 * Anything else — SQL NULL, a row or column that is not there (`row?.n`), an empty string — is 0.
 */
export function dbInt(value: unknown): number {
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') return Number(value)
  if (typeof value === 'string' && value.trim() !== '') return Number(value)
  return 0
}

/** As `dbInt`, but SQL NULL (and a missing value) stays null: for nullable columns. */
export function dbIntOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : dbInt(value)
}
