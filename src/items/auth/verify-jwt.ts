import type { KeyObject } from 'node:crypto'
import { compactVerify, decodeProtectedHeader } from 'jose'
import type { ItemsAuthConfig } from './auth-options.ts'
import type { JwksClient } from './jwks-client.ts'
import type { JwtKeys } from './jwt-keys.ts'
import { expired, invalid, ok, unavailable, type Step } from './refusals.ts'

/** Whom a verified JWT names: a user id (`sub`) or a username (the username claim). */
export type JwtSubject = ({ by: 'id'; id: string } | { by: 'username'; username: string }) & {
  /** `jwt:<iss>` with `:<jti>` when present, `jwt:-` without `iss` (the audit's credentialref, §12). */
  ref: string
}

export interface JwtContext {
  keys: JwtKeys
  jwks: JwksClient | null
  config: Pick<ItemsAuthConfig, 'items_jwt_issuer' | 'items_jwt_audience' | 'items_jwt_clock_tolerance_s' | 'items_jwt_username_claim'>
  nowMs: number
}

const USER_ID = /^[1-9][0-9]{0,15}$/

/**
 * Verifies a compact JWT (items-api.md §5.3): the header's `alg` must be one the configured keys
 * accept (HS256, RS256, ES256; never `none`), the signature must verify with `jose` restricted to
 * that algorithm, then the claims: `exp` required, `nbf`, `iat`, `iss`, `aud`, with the clock
 * tolerance; finally `sub` (1–16 digits) or the username claim.
 */
export async function verifyJwt(token: string, ctx: JwtContext): Promise<Step<JwtSubject>> {
  let header: ReturnType<typeof decodeProtectedHeader>
  try {
    header = decodeProtectedHeader(token)
  } catch {
    return invalid('JWT header malformed')
  }
  const key = await keyFor(header.alg, header.kid, ctx)
  if (!key.ok) return key
  let payloadBytes: Uint8Array
  try {
    payloadBytes = (await compactVerify(token, key.value.key, { algorithms: [key.value.alg] })).payload
  } catch {
    return invalid('JWT signature invalid')
  }
  let claims: unknown
  try {
    claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes))
  } catch {
    return invalid('JWT payload is not JSON')
  }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) return invalid('JWT payload is not an object')
  const checked = checkClaims(claims as Record<string, unknown>, ctx)
  if (!checked.ok) return checked
  return subjectOf(claims as Record<string, unknown>, ctx.config.items_jwt_username_claim)
}

/**
 * The HS256 secret as a WebCrypto key, imported once per secret: `jose` verifies with WebCrypto and
 * would otherwise import a `KeyObject` secret again on every call (the verification itself is
 * unchanged: the same secret, restricted to HMAC-SHA-256 verification).
 */
const hmacKeys = new WeakMap<KeyObject, Promise<CryptoKey | KeyObject>>()
function hmacKeyOf(secret: KeyObject): Promise<CryptoKey | KeyObject> {
  let key = hmacKeys.get(secret)
  if (!key) {
    // Should the import fail, `jose` gets the KeyObject as before.
    key = crypto.subtle.importKey('raw', secret.export(), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']).catch(() => secret)
    hmacKeys.set(secret, key)
  }
  return key
}

async function keyFor(alg: unknown, kid: unknown, ctx: JwtContext): Promise<Step<{ alg: string; key: KeyObject | CryptoKey }>> {
  if (alg === 'HS256' && ctx.keys.hs256) return ok({ alg, key: await hmacKeyOf(ctx.keys.hs256) })
  if (alg === 'RS256' || alg === 'ES256') {
    if (ctx.keys.publicKey?.alg === alg) return ok({ alg, key: ctx.keys.publicKey.key })
    if (ctx.jwks) {
      if (kid !== undefined && typeof kid !== 'string') return invalid('JWT kid is not a string')
      const found = await ctx.jwks.keyFor(alg, kid)
      if (found.ok) return ok({ alg, key: found.key })
      return found.unavailable ? unavailable(found.cause) : invalid(found.cause)
    }
  }
  const configured = ctx.keys.hs256 || ctx.keys.publicKey || ctx.jwks
  return invalid(configured ? `JWT algorithm ${typeof alg === 'string' ? alg.slice(0, 20) : '?'} not accepted` : 'no JWT key configured')
}

function checkClaims(claims: Record<string, unknown>, ctx: JwtContext): Step<true> {
  const t = ctx.config.items_jwt_clock_tolerance_s
  const now = Math.floor(ctx.nowMs / 1000)
  const { exp, nbf, iat, iss, aud } = claims
  if (!isNumber(exp)) return invalid('JWT exp missing or not numeric')
  if (now > exp + t) return expired('JWT expired')
  if (nbf !== undefined && (!isNumber(nbf) || now + t < nbf)) return invalid('JWT not yet valid (nbf)')
  if (iat !== undefined && (!isNumber(iat) || iat > now + t)) return invalid('JWT iat in the future or not numeric')
  const issuers = ctx.config.items_jwt_issuer
  if (issuers !== undefined && !(typeof iss === 'string' && issuers.includes(iss))) return invalid('JWT issuer not accepted')
  const audiences = ctx.config.items_jwt_audience
  if (audiences !== undefined) {
    const given = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : []
    if (!given.some((a) => audiences.includes(a))) return invalid('JWT audience not accepted')
  }
  return ok(true)
}

function subjectOf(claims: Record<string, unknown>, usernameClaim: string): Step<JwtSubject> {
  const iss = typeof claims['iss'] === 'string' && claims['iss'] !== '' ? claims['iss'] : '-'
  const ref = typeof claims['jti'] === 'string' && claims['jti'] !== '' ? `jwt:${iss}:${claims['jti']}` : `jwt:${iss}`
  if (Object.hasOwn(claims, 'sub')) {
    const sub = claims['sub']
    return typeof sub === 'string' && USER_ID.test(sub) ? ok({ by: 'id', id: sub, ref }) : invalid('JWT sub is not a user id')
  }
  const username = Object.hasOwn(claims, usernameClaim) ? claims[usernameClaim] : undefined
  if (typeof username !== 'string' || username === '') return invalid('JWT has neither sub nor a username')
  return ok({ by: 'username', username, ref })
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}
