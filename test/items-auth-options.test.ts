/**
 * Start-up validation of the JWT options (items-api.md §2.3, §5.3), credential choice (§5.1) and
 * the sesskey rule (§5.5), which need no database.
 */
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { describe, it } from 'node:test'
import { ConfigError } from '../src/config/index.ts'
import type { FastifyBaseLogger } from 'fastify'
import { checkSesskey, chooseCredential, createItemsAuthenticator, type AuthRequest, type ItemsAuthConfig, type ItemsAuthLogger } from '../src/items/auth/index.ts'
import type { Moodle } from '../src/moodle/index.ts'

const BASE: ItemsAuthConfig = {
  items_settings_cache_s: 0,
  items_moodle_config: {},
  items_jwt_hs256_secret: undefined,
  items_jwt_public_key: undefined,
  items_jwt_jwks_url: undefined,
  items_jwt_issuer: undefined,
  items_jwt_audience: undefined,
  items_jwt_clock_tolerance_s: 60,
  items_jwt_username_claim: 'username',
  items_wstoken_enabled: true,
  items_wstoken_allowed_services: [],
  items_wstoken_update_lastaccess: false,
  items_session_handler: 'none',
  items_session_file_save_path: undefined,
}

const log = { warn() {}, info() {} }
/** Compile-time check: Fastify's (pino) logger can be passed as the authenticator's log. */
export const fastifyLoggerFits = (l: FastifyBaseLogger): ItemsAuthLogger => l
const spki = (key: { publicKey: { export(o: object): string | Buffer } }) => String(key.publicKey.export({ type: 'spki', format: 'pem' }))

async function startupError(options: Partial<ItemsAuthConfig>): Promise<ConfigError> {
  // The options are checked before Moodle is touched.
  const error = await createItemsAuthenticator({ moodle: {} as Moodle, config: { ...BASE, ...options }, log }).then(
    () => assert.fail('expected a start-up error'),
    (e: unknown) => e,
  )
  assert.ok(error instanceof ConfigError)
  return error
}

describe('JWT options at start-up', () => {
  it('refuses an HS256 secret under 32 bytes, naming the option but not the value', async () => {
    const error = await startupError({ items_jwt_hs256_secret: 'short-secret-value' })
    assert.match(error.message, /items_jwt_hs256_secret/)
    assert.doesNotMatch(error.message, /short-secret-value/)
  })

  it('refuses a public key together with a JWKS URL', async () => {
    const pem = spki(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }))
    const error = await startupError({ items_jwt_public_key: pem, items_jwt_jwks_url: 'https://idp.example.org/jwks' })
    assert.match(error.message, /items_jwt_public_key.*items_jwt_jwks_url/)
  })

  it('refuses unparseable keys, keys of other types and short RSA keys', async () => {
    assert.match((await startupError({ items_jwt_public_key: 'not a key' })).message, /items_jwt_public_key/)
    const broken = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'
    assert.match((await startupError({ items_jwt_public_key: broken })).message, /cannot be parsed/)
    const p384 = spki(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }))
    assert.match((await startupError({ items_jwt_public_key: p384 })).message, /RSA key \(RS256\) or an EC P-256/)
    const ed = spki(generateKeyPairSync('ed25519'))
    assert.match((await startupError({ items_jwt_public_key: ed })).message, /items_jwt_public_key/)
    const rsa1024 = spki(generateKeyPairSync('rsa', { modulusLength: 1024 }))
    assert.match((await startupError({ items_jwt_public_key: rsa1024 })).message, /2048/)
    const privatePem = String(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }))
    assert.match((await startupError({ items_jwt_public_key: privatePem })).message, /PEM public key/)
  })

  it('refuses a JWKS URL over plain http unless the host is a loopback address', async () => {
    assert.match((await startupError({ items_jwt_jwks_url: 'http://idp.example.org/jwks' })).message, /items_jwt_jwks_url.*https/)
    assert.match((await startupError({ items_jwt_jwks_url: 'ftp://127.0.0.1/jwks' })).message, /items_jwt_jwks_url/)
  })
})

const request = (init: Partial<AuthRequest>): AuthRequest => ({ method: 'GET', headers: {}, query: {}, clientIp: '127.0.0.1', ...init })
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIn0.c2ln'

describe('credential choice', () => {
  const choose = (init: Partial<AuthRequest>, sessions = true) => chooseCredential(request(init), 'MoodleSession', sessions)

  it('reads Bearer JWTs, Bearer tokens, bare tokens and ?wstoken', () => {
    assert.deepEqual(choose({ headers: { authorization: `Bearer ${JWT}` } }), { ok: true, value: { kind: 'jwt', token: JWT } })
    assert.deepEqual(choose({ headers: { authorization: `bEaReR    abc123` } }), { ok: true, value: { kind: 'wstoken', token: 'abc123', from: 'header' } })
    assert.deepEqual(choose({ headers: { authorization: 'abc123' } }), { ok: true, value: { kind: 'wstoken', token: 'abc123', from: 'header' } })
    assert.deepEqual(choose({ query: { wstoken: 'abc123' } }), { ok: true, value: { kind: 'wstoken', token: 'abc123', from: 'query' } })
  })

  it('answers 400 ambiguous_credentials for a header and ?wstoken together', () => {
    const r = choose({ headers: { authorization: 'Bearer abc' }, query: { wstoken: 'def' } })
    assert.equal(r.ok, false)
    assert.deepEqual(!r.ok && r.refusal, { status: 400, reason: 'ambiguous_credentials' })
  })

  it('refuses other schemes with 401 and WWW-Authenticate', () => {
    for (const authorization of ['Basic YWRtaW46YWRtaW4=', 'Digest x', 'abc-def', '']) {
      const r = choose({ headers: { authorization } })
      assert.equal(r.ok, false)
      assert.deepEqual(!r.ok && r.refusal, { status: 401, reason: 'invalid_credentials', headers: { 'WWW-Authenticate': 'Bearer realm="moodle-bridge"' } })
    }
  })

  it('uses the session cookie only without header or query credentials, and only when sessions are on', () => {
    const cookie = 'other=1; MoodleSession=abc123; MoodleSessionX=zzz'
    assert.deepEqual(choose({ headers: { cookie } }), { ok: true, value: { kind: 'session', sid: 'abc123' } })
    assert.deepEqual(choose({ headers: { cookie, authorization: 'tok1' } }), { ok: true, value: { kind: 'wstoken', token: 'tok1', from: 'header' } })
    assert.deepEqual(choose({ headers: { cookie }, query: { wstoken: '' } }), { ok: true, value: { kind: 'session', sid: 'abc123' } })
    const off = choose({ headers: { cookie } }, false)
    assert.equal(!off.ok && off.refusal.reason, 'missing_credentials')
    const none = choose({ headers: { cookie: 'MoodleSessionX=zzz' } })
    assert.equal(!none.ok && none.refusal.reason, 'missing_credentials')
  })
})

describe('sesskey', () => {
  const check = (init: Partial<AuthRequest>, sesskey = 'Ab3dE6gH9j') => checkSesskey(request(init), sesskey)
  const reason = (r: ReturnType<typeof check>) => (r.ok ? 'ok' : r.refusal.reason)

  it('is not needed for safe methods', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) assert.equal(reason(check({ method })), 'ok')
  })

  it('must match from X-Sesskey or ?sesskey for unsafe methods; both present must agree', () => {
    assert.equal(reason(check({ method: 'POST' })), 'invalid_sesskey')
    assert.equal(reason(check({ method: 'POST', headers: { 'x-sesskey': 'Ab3dE6gH9j' } })), 'ok')
    assert.equal(reason(check({ method: 'DELETE', query: { sesskey: 'Ab3dE6gH9j' } })), 'ok')
    assert.equal(reason(check({ method: 'PATCH', headers: { 'x-sesskey': 'ab3de6gh9j' } })), 'invalid_sesskey')
    assert.equal(reason(check({ method: 'PUT', headers: { 'x-sesskey': 'Ab3dE6gH9j' }, query: { sesskey: 'Ab3dE6gH9j' } })), 'ok')
    assert.equal(reason(check({ method: 'PUT', headers: { 'x-sesskey': 'Ab3dE6gH9j' }, query: { sesskey: 'other' } })), 'invalid_sesskey')
    assert.equal(reason(check({ method: 'POST', headers: { 'x-sesskey': '' } }, '')), 'invalid_sesskey')
  })
})
