/** CORS of items-api.md §4.7. */
export interface CorsOptions {
  enabled: boolean
  origins: readonly string[]
  credentials: boolean
  maxAgeS: number
}

const EXPOSED = 'ETag, Location, Preference-Applied, Retry-After, X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset'
const ALLOWED_HEADERS = 'Authorization, Content-Type, If-Match, If-None-Match, Prefer, X-Request-Id, X-Sesskey'

function allowedOrigin(cors: CorsOptions, origin: string | undefined): string | null {
  if (!cors.enabled || origin === undefined) return null
  if (cors.origins.length === 1 && cors.origins[0] === '*') return '*'
  return cors.origins.includes(origin) ? origin : null
}

/** Headers for any response to an allowed origin; none otherwise. */
export function corsHeaders(cors: CorsOptions, origin: string | undefined): Record<string, string> {
  const allowed = allowedOrigin(cors, origin)
  if (allowed === null) return {}
  const out: Record<string, string> = { 'access-control-allow-origin': allowed, vary: 'Origin', 'access-control-expose-headers': EXPOSED }
  if (cors.credentials) out['access-control-allow-credentials'] = 'true'
  return out
}

/** Extra headers of a preflight (`OPTIONS` with `Access-Control-Request-Method`) from an allowed origin. */
export function preflightHeaders(cors: CorsOptions, origin: string | undefined, requestMethod: unknown, allow: string): Record<string, string> {
  if (allowedOrigin(cors, origin) === null || typeof requestMethod !== 'string') return {}
  return {
    'access-control-allow-methods': allow,
    'access-control-allow-headers': ALLOWED_HEADERS,
    'access-control-max-age': String(cors.maxAgeS),
  }
}
