/** A JSON object (not null, not an array): the envelope and payload shape of moopanel-api.md §3.5. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
