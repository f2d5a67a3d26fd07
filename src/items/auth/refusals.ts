import type { AuthRefusal } from './contract.ts'

/** `WWW-Authenticate` on every 401 (items-api.md §5.7). */
export const WWW_AUTHENTICATE = 'Bearer realm="moodle-bridge"'

/** A failed step: the refusal for the client and the internal cause for the log (never sent). */
export interface Failure {
  ok: false
  refusal: AuthRefusal
  cause: string
}

export type Step<T> = { ok: true; value: T } | Failure

export const ok = <T>(value: T): Step<T> => ({ ok: true, value })

const unauthorized = (reason: 'missing_credentials' | 'invalid_credentials' | 'expired_credentials', cause: string): Failure => ({
  ok: false,
  refusal: { status: 401, reason, headers: { 'WWW-Authenticate': WWW_AUTHENTICATE } },
  cause,
})

export const invalid = (cause: string): Failure => unauthorized('invalid_credentials', cause)
export const expired = (cause: string): Failure => unauthorized('expired_credentials', cause)
export const missing = (cause: string): Failure => unauthorized('missing_credentials', cause)
export const ambiguous = (cause: string): Failure => ({ ok: false, refusal: { status: 400, reason: 'ambiguous_credentials' }, cause })
export const badSesskey = (cause: string): Failure => ({ ok: false, refusal: { status: 403, reason: 'invalid_sesskey' }, cause })
export const maintenance = (cause: string): Failure => ({ ok: false, refusal: { status: 503, reason: 'maintenance' }, cause })
export const unavailable = (cause: string): Failure => ({ ok: false, refusal: { status: 503, reason: 'unavailable' }, cause })
