import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto'
import ipaddr from 'ipaddr.js'
import { optionError, type ItemsAuthConfig } from './auth-options.ts'

export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256'

/** The JWT keys configured (items-api.md §5.3), validated at start-up. */
export interface JwtKeys {
  hs256: KeyObject | null
  /** `items_jwt_public_key` and the one algorithm it serves. */
  publicKey: { alg: 'RS256' | 'ES256'; key: KeyObject } | null
  jwksUrl: URL | null
}

/**
 * Validates the JWT options; throws a `ConfigError` naming the option: HS256 secret of at least 32
 * bytes; a PEM public key holding an RSA key (≥ 2048 bits, RS256) or an EC P-256 key (ES256); a
 * JWKS URL over https (http only for loopback hosts), not together with the public key.
 */
export function loadJwtKeys(config: ItemsAuthConfig): JwtKeys {
  const secret = config.items_jwt_hs256_secret
  if (secret !== undefined && Buffer.byteLength(secret, 'utf8') < 32) {
    throw optionError('items_jwt_hs256_secret', 'too short (at least 32 bytes)')
  }
  if (config.items_jwt_public_key !== undefined && config.items_jwt_jwks_url !== undefined) {
    throw optionError('items_jwt_public_key', 'cannot be combined with items_jwt_jwks_url')
  }
  return {
    hs256: secret === undefined ? null : createSecretKey(Buffer.from(secret, 'utf8')),
    publicKey: config.items_jwt_public_key === undefined ? null : publicKeyFrom(config.items_jwt_public_key),
    jwksUrl: config.items_jwt_jwks_url === undefined ? null : jwksUrlFrom(config.items_jwt_jwks_url),
  }
}

function publicKeyFrom(pem: string): { alg: 'RS256' | 'ES256'; key: KeyObject } {
  const option = 'items_jwt_public_key'
  if (!/-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem)) throw optionError(option, 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)')
  let key: KeyObject
  try {
    key = createPublicKey({ key: pem.replace(/\\n/g, '\n'), format: 'pem' })
  } catch {
    throw optionError(option, 'cannot be parsed as a PEM public key')
  }
  return { alg: algorithmFor(key, option), key }
}

/** RS256 for RSA keys of at least 2048 bits, ES256 for EC P-256 keys; anything else is refused. */
export function algorithmFor(key: KeyObject, option: string): 'RS256' | 'ES256' {
  const details = key.asymmetricKeyDetails
  if (key.asymmetricKeyType === 'rsa') {
    if ((details?.modulusLength ?? 0) < 2048) throw optionError(option, 'RSA keys must have at least 2048 bits')
    return 'RS256'
  }
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') return 'ES256'
  throw optionError(option, 'must hold an RSA key (RS256) or an EC P-256 key (ES256)')
}

function jwksUrlFrom(text: string): URL {
  const option = 'items_jwt_jwks_url'
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw optionError(option, 'is not a URL')
  }
  if (url.protocol === 'https:') return url
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url
  throw optionError(option, 'must use https (plain http only for loopback hosts)')
}

/** `localhost`, 127.0.0.0/8 or ::1 (URL host names keep IPv6 in brackets). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (!ipaddr.isValid(host)) return false
  const addr = ipaddr.process(host)
  return addr.range() === 'loopback'
}
