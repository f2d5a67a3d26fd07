/**
 * A BIGINT column value as a JS number: pg returns BIGINT as a string, mysql2 and PGlite as a
 * number. Null stays null.
 */
export function toNumber(value: number | string | bigint): number
export function toNumber(value: number | string | bigint | null): number | null
export function toNumber(value: number | string | bigint | null): number | null {
  return value === null ? null : Number(value)
}
