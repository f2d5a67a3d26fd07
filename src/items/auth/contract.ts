/**
 * The contract between the Items API's authentication module (this folder) and its routes.
 * Spec: ../shared/spec/items-api.md §3 steps 7–9, §5, §6.
 */

import type { ItemsAuthLogger } from './auth-options.ts'

/** What the routes need to know about a request to authenticate it (after routing). */
export interface AuthRequest {
  method: string
  /** Lower-cased header names, as Fastify gives them. */
  headers: Record<string, string | string[] | undefined>
  /** Parsed query string (`wstoken`, `sesskey` are read from it). */
  query: Record<string, unknown>
  /** Client address after trusted-proxy resolution (IPv4-mapped IPv6 already folded to IPv4). */
  clientIp: string
  /** The request's own logger (its records carry the request id); the API's logger otherwise. */
  log?: ItemsAuthLogger
}

/** An authenticated Moodle user. */
export interface Principal {
  userId: number
  via: 'jwt' | 'wstoken' | 'session'
  /** `external_tokens.id` (Moodle table) when authenticated by web-service token (audit reference). */
  tokenId: number | null
  siteAdmin: boolean
  /** The audit's `credentialref` for JWTs (`jwt:<iss>[:<jti>]`, §12); other credentials derive theirs. */
  credentialRef?: string
}

/** An error answer of the documented shape (§4.4): status + reason; the routes build the body. */
export interface AuthRefusal {
  status: 400 | 401 | 403 | 503
  reason: 'ambiguous_credentials' | 'missing_credentials' | 'invalid_credentials' | 'expired_credentials' | 'invalid_sesskey' | 'maintenance' | 'unavailable'
  /** Extra headers (e.g. `WWW-Authenticate` for 401, `Retry-After` for 503). */
  headers?: Record<string, string>
}

export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; refusal: AuthRefusal }

/**
 * The authenticator the routes call. One instance per service; reads credentials, user rows, role
 * assignments and capabilities afresh on every call (§2.4), settings through a short cache.
 */
export interface ItemsAuthenticator {
  /**
   * §3 steps 7–9 (without the per-user rate limit): credential choice (§5.1), verification
   * (§5.3–5.5), common user checks (§5.2), maintenance mode (§5.6), sesskey for unsafe methods on
   * session-authenticated requests (§5.5).
   */
  authenticate(request: AuthRequest): Promise<AuthOutcome>
  /** `has(user, capability)` at system context (§6.2); true for site admins. */
  has(principal: Principal, capability: string): Promise<boolean>
  /** Which of these capabilities Moodle does not know (its capabilities table), for the start-up warning (§6.5). */
  unknownCapabilities(capabilities: string[]): Promise<string[]>
  /** Stops timers / JWKS fetches. */
  close(): Promise<void>
}
