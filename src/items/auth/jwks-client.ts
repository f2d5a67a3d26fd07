/*
 * Why our own client and not jose's `createRemoteJWKSet` (issue #9 point 4; checked against jose
 * 6.2.17, the major in package.json): jose's remote set cannot keep these guarantees of ours.
 * - Its cooldown and cache age are measured with `Date.now()`; ours with the injected `nowMs` (the
 *   Items API's clock, which the tests drive).
 * - A failed fetch is not throttled there: while the endpoint is down every request fetches again
 *   (its cooldown counts from the last success). Here every attempt, failed or not, starts the
 *   refetch interval, so an unreachable identity provider is not hammered.
 * - When the set is older than `cacheMaxAge` and the refresh fails, jose fails the look-up; we go on
 *   with the previous keys.
 * - It reads the body with `response.json()` without a size limit, and `close()` cannot abort its
 *   fetch (its `customFetch` symbol could add these two, not the ones above).
 * - Its key choice counts keys before importing them: a token without `kid` beside an unusable key
 *   of the same type (RSA under 2048 bits, bad JWK) is ambiguous there, while we ignore unusable
 *   keys; and a repeated `kid` is an error there, the first key here.
 * Wrapping it to restore all that (cooldown and age set to Infinity, reloads driven by us, a custom
 * fetch) would leave jose only the JSON parse and a key filter with other semantics, so the client
 * stays ours; `jose` still verifies the signatures (verify-jwt.ts).
 */
import { createPublicKey, type JsonWebKeyInput, type KeyObject } from 'node:crypto'

/** A usable key of the JWKS document. */
interface JwksKey {
  kid: string | undefined
  alg: 'RS256' | 'ES256'
  key: KeyObject
}

export type JwksLookup =
  | { ok: true; key: KeyObject }
  | { ok: false; unavailable: boolean; cause: string }

export interface JwksClientOptions {
  url: URL
  nowMs: () => number
  /** Default 5000. */
  timeoutMs?: number
  /** Least time between two fetches caused by unknown `kid`s or failures; default 30000. */
  refetchIntervalMs?: number
  /** After this, the next look-up refreshes the set (keeping the old one if that fails); default 600000. */
  maxAgeMs?: number
}

const MAX_DOCUMENT_BYTES = 512 * 1024

/**
 * Fetches and caches a JWKS document (items-api.md §5.3): keys are found by `kid`, or, for a token
 * without `kid`, the only key of the token's type. An unknown `kid` refetches the set, at most once
 * per `refetchIntervalMs`; a look-up that finds no usable key because the endpoint cannot be
 * reached reports `unavailable`.
 */
export class JwksClient {
  private keys: JwksKey[] | null = null
  private fetchedAtMs = 0
  private lastAttemptMs = Number.NEGATIVE_INFINITY
  private lastFailure: string | null = null
  private inFlight: Promise<'fetched' | 'failed'> | null = null
  private readonly aborter = new AbortController()

  constructor(private readonly options: JwksClientOptions) {}

  async keyFor(alg: 'RS256' | 'ES256', kid: string | undefined): Promise<JwksLookup> {
    const now = this.options.nowMs()
    const stale = this.keys !== null && now - this.fetchedAtMs >= (this.options.maxAgeMs ?? 600_000)
    if (this.keys === null || stale) await this.refresh()
    if (this.keys === null) return { ok: false, unavailable: true, cause: `JWKS unavailable: ${this.lastFailure ?? 'not fetched'}` }
    let found = this.pick(alg, kid)
    if (found === 'none' && kid !== undefined) {
      const fetched = await this.refresh()
      found = this.pick(alg, kid)
      if (found === 'none' && fetched === 'failed') return { ok: false, unavailable: true, cause: `JWKS unavailable: ${this.lastFailure}` }
    }
    if (found === 'none') return { ok: false, unavailable: false, cause: kid === undefined ? 'no JWKS key of the token type' : 'unknown kid' }
    if (found === 'several') return { ok: false, unavailable: false, cause: 'token without kid and several JWKS keys of its type' }
    return { ok: true, key: found }
  }

  close(): void {
    this.aborter.abort()
  }

  private pick(alg: 'RS256' | 'ES256', kid: string | undefined): KeyObject | 'none' | 'several' {
    const ofType = (this.keys ?? []).filter((k) => k.alg === alg)
    const matches = kid === undefined ? ofType : ofType.filter((k) => k.kid === kid)
    if (matches.length === 0) return 'none'
    if (matches.length > 1) return kid === undefined ? 'several' : matches[0]!.key
    return matches[0]!.key
  }

  private mayRefetch(): boolean {
    return this.options.nowMs() - this.lastAttemptMs >= (this.options.refetchIntervalMs ?? 30_000)
  }

  /**
   * Fetches the set unless the last attempt was less than the refetch interval ago (callers during a
   * fetch share it). A failed fetch keeps the previous keys.
   */
  private refresh(): Promise<'fetched' | 'failed' | 'skipped'> {
    if (this.inFlight) return this.inFlight
    if (!this.mayRefetch()) return Promise.resolve('skipped')
    this.lastAttemptMs = this.options.nowMs()
    this.inFlight = (async () => {
      try {
        this.keys = await this.fetchKeys()
        this.fetchedAtMs = this.options.nowMs()
        this.lastFailure = null
        return 'fetched' as const
      } catch (error) {
        this.lastFailure = describe(error)
        return 'failed' as const
      } finally {
        this.inFlight = null
      }
    })()
    return this.inFlight
  }

  private async fetchKeys(): Promise<JwksKey[]> {
    const signal = AbortSignal.any([this.aborter.signal, AbortSignal.timeout(this.options.timeoutMs ?? 5000)])
    const response = await fetch(this.options.url, {
      signal,
      redirect: 'error',
      headers: { accept: 'application/jwk-set+json, application/json' },
    })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    const doc = JSON.parse(await readLimited(response, MAX_DOCUMENT_BYTES)) as { keys?: unknown }
    if (!doc || !Array.isArray(doc.keys)) throw new Error('not a JWKS document')
    return doc.keys.flatMap((jwk) => usableKey(jwk))
  }
}

/**
 * The body as text, counted in bytes as it arrives: past `limit` the read stops at once (the body
 * is cancelled, which closes the connection) with "document too large", so an endless or huge body
 * costs at most one chunk beyond the limit.
 */
async function readLimited(response: Response, limit: number): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let bytes = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    bytes += value.byteLength
    if (bytes > limit) {
      await reader.cancel().catch(() => undefined)
      throw new Error('document too large')
    }
    chunks.push(value)
  }
  return new TextDecoder().decode(Buffer.concat(chunks))
}

/** An RSA (≥ 2048 bits) or EC P-256 signing key; keys of other types or uses are ignored. */
function usableKey(jwk: unknown): JwksKey[] {
  if (!jwk || typeof jwk !== 'object') return []
  const j = jwk as Record<string, unknown>
  if (j['use'] !== undefined && j['use'] !== 'sig') return []
  const alg = j['kty'] === 'RSA' ? 'RS256' : j['kty'] === 'EC' && j['crv'] === 'P-256' ? 'ES256' : null
  if (!alg || (j['alg'] !== undefined && j['alg'] !== alg)) return []
  const publicPart =
    alg === 'RS256' ? { kty: 'RSA', n: j['n'], e: j['e'] } : { kty: 'EC', crv: 'P-256', x: j['x'], y: j['y'] }
  try {
    const key = createPublicKey({ key: publicPart, format: 'jwk' } as JsonWebKeyInput)
    if (alg === 'RS256' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return []
    return [{ kid: typeof j['kid'] === 'string' ? j['kid'] : undefined, alg, key }]
  } catch {
    return []
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timeout'
    return error.message.slice(0, 200)
  }
  return 'fetch failed'
}
