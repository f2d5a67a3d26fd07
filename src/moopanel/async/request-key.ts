/**
 * The idempotency key of an asynchronous request (moopanel-api.md §5.3): method, endpoint and
 * sub-path, then for GET the query parameters sorted by name, for other methods the canonical JSON
 * of the payload (object keys sorted recursively, no insignificant whitespace). Keys outside the
 * `data` envelope are ignored by every endpoint, so they do not make a request different.
 */
export function requestKey(method: string, endpoint: string, subPath: string, input: Map<string, string> | Record<string, unknown>): string {
  const data = input instanceof Map ? [...input.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : input
  return `${method} ${endpoint}/${subPath}\n${canonicalJson(data)}`
}

/** JSON with object keys sorted recursively. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
