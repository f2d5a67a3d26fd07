/**
 * An id value of a payload (moopanel-api.md §3.5): a JSON integer or a string of 1–10 decimal
 * digits, in 1..2147483647; null when the value is anything else.
 */
export function idValue(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : NaN
  return Number.isInteger(n) && n >= 1 && n <= 2147483647 ? n : null
}
