/**
 * Items API authentication and authorisation (items-api.md §5, §6) against the real Moodle 4.5
 * fixture database: a writable copy on PostgreSQL, on MariaDB when configured, and on the embedded
 * PGlite engine. JWTs are signed here (HS256, RS256, ES256; a JWKS document served locally), web
 * service tokens and sessions are inserted as Moodle writes them, session data is written in PHP's
 * own session format under a test dataroot.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { after, before, beforeEach, describe, it } from 'node:test'
import { PGlite } from '@electric-sql/pglite'
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose'
import type { Kysely } from 'kysely'
import { createItemsAuthenticator, type AuthOutcome, type AuthRequest, type ItemsAuthConfig, type ItemsAuthenticator, type Principal } from '../src/items/auth/index.ts'
import { openMoodle, parseDatabaseUrl, type Moodle } from '../src/moodle/index.ts'
import { fixtureDbs, type FixtureDb } from './support/start-fixture-service.ts'
import { createMysqlCopy, createPgCopy, fixturePath, testEnv } from './support/test-env.ts'

/** The tests' clock: after every timestamp in the fixture (around 1795300000). */
const NOW_S = 1_800_000_000
const clock = { ms: NOW_S * 1000 }
const HS_SECRET = 'an-hs256-secret-of-at-least-32-bytes!'

// Users of the fixture: 1 guest, 2 admin (siteadmins = 2), 3–1002 tool_generator_000001…, all local.
const GUEST = 1
const ADMIN = 2
const PLAIN = 4 // only the default role (7, "user")
const MANAGER = 5 // manager (role 1) at system context
const PROHIBITED = 6 // manager and student (role 5, which prohibits moodle/user:viewalldetails here)
const PREVENTED = 9 // teacher (role 4), which prevents moodle/cohort:view here
const RESTRICTED_OK = 3
const RESTRICTED_EXPIRED = 7
const RESTRICTED_IP = 8
const DELETED = 10
const SUSPENDED = 11
const UNCONFIRMED = 12
const NOLOGIN = 13

const BASE: ItemsAuthConfig = {
  items_settings_cache_s: 0,
  items_moodle_config: { enablewebservices: '1' },
  items_jwt_hs256_secret: HS_SECRET,
  items_jwt_public_key: undefined,
  items_jwt_jwks_url: undefined,
  items_jwt_issuer: undefined,
  items_jwt_audience: undefined,
  items_jwt_clock_tolerance_s: 60,
  items_jwt_username_claim: 'username',
  items_wstoken_enabled: true,
  items_wstoken_allowed_services: [],
  items_wstoken_update_lastaccess: false,
  items_session_handler: 'auto',
  items_session_file_save_path: undefined,
}

interface Site {
  moodle: Moodle
  dataroot: string
  close(): Promise<void>
}

async function openSite(engine: FixtureDb): Promise<Site> {
  const dataroot = mkdtempSync(join(testEnv().tmpDir, `items-auth-${engine}-`))
  mkdirSync(join(dataroot, 'sessions'))
  const wwwroot = 'http://127.0.0.1:8081'
  if (engine === 'pglite') {
    const pglite = await PGlite.create()
    await pglite.exec(gunzipSync(readFileSync(fixturePath('moodle-pgsql.sql.gz'))).toString('utf8'))
    const moodle = await openMoodle({ dirroot: dataroot, database: { target: { driver: 'pglite', pglite }, prefix: 'mdl_', wwwroot, dataroot } })
    return { moodle, dataroot, close: async () => { await moodle.close(); await pglite.close(); rmSync(dataroot, { recursive: true, force: true }) } }
  }
  const copy = engine === 'pgsql' ? await createPgCopy('items_auth') : await createMysqlCopy('items_auth')
  const moodle = await openMoodle({ dirroot: dataroot, database: { target: parseDatabaseUrl(copy.url, 4), prefix: 'mdl_', wwwroot, dataroot } })
  return { moodle, dataroot, close: async () => { await moodle.close(); await copy.drop(); rmSync(dataroot, { recursive: true, force: true }) } }
}

const request = (init: Partial<AuthRequest> = {}): AuthRequest => ({ method: 'GET', headers: {}, query: {}, clientIp: '192.0.2.10', ...init })
const bearer = (token: string, init: Partial<AuthRequest> = {}) => request({ ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } })
const cookie = (sid: string, init: Partial<AuthRequest> = {}, name = 'MoodleSession') =>
  request({ ...init, headers: { ...init.headers, cookie: `MOODLEID1_=x; ${name}=${sid}` } })

/** `via:userId` for a success, `status reason` for a refusal. */
function summary(outcome: AuthOutcome): string {
  return outcome.ok ? `${outcome.principal.via}:${outcome.principal.userId}` : `${outcome.refusal.status} ${outcome.refusal.reason}`
}

const keys = {
  rsa: await generateKeyPair('RS256'),
  rsaOther: await generateKeyPair('RS256'),
  ec: await generateKeyPair('ES256'),
}

async function sign(key: CryptoKey | Uint8Array, alg: string, claims: JWTPayload, header: { kid?: string } = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, ...header }).sign(key)
}
const hs = (claims: JWTPayload) => sign(new TextEncoder().encode(HS_SECRET), 'HS256', claims)
const valid = (claims: JWTPayload = {}): JWTPayload => ({ exp: NOW_S + 300, iat: NOW_S - 5, ...claims })

/** A PHP `s:` value. */
const phpString = (v: string) => `s:${Buffer.byteLength(v)}:"${v}";`
const phpValue = (v: string | number | null) => (v === null ? 'N;' : typeof v === 'number' ? `i:${v};` : phpString(v))

/** Session data as Moodle's file handler stores it: `USER|O:8:"stdClass":…SESSION|O:8:"stdClass":…`. */
function moodleSessionData(user: Record<string, string | number | null>): string {
  const props: Record<string, string | number | null> = { auth: 'manual', username: 'someone', firstname: 'Adéla', ...user }
  const body =
    Object.entries(props).map(([k, v]) => phpString(k) + phpValue(v)).join('') +
    phpString('preference') + `a:2:{${phpString('_lastloaded')}i:${NOW_S - 100};${phpString('email_bounce_count')}s:1:"0";}` +
    phpString('profile') + 'a:0:{}' +
    phpString('access') + `a:1:{${phpString('rdef')}a:0:{}}`
  const count = Object.keys(props).length + 3
  const session =
    'SESSION|O:8:"stdClass":4:{' + phpString('lang') + 'r:3;' + phpString('cal_course_referer') + 'd:1.5;' +
    phpString('wantsurl') + 'O:8:"core\\url":2:{s:9:"\0*\0scheme";s:5:"https";s:14:"\0core\\url\0host";s:3:"lms";}' +
    phpString('flag') + 'b:1;}'
  return `USER|O:8:"stdClass":${count}:{${body}}${session}`
}

for (const engine of [...fixtureDbs(), 'pglite'] as FixtureDb[]) {
  describe(`Items API authentication on ${engine}`, () => {
    let site: Site
    let db: Kysely<any>
    const services: Record<string, number> = {}
    const authenticators: ItemsAuthenticator[] = []
    const logs: Array<{ obj: object; msg: string }> = []

    async function makeAuth(options: Partial<ItemsAuthConfig> = {}): Promise<ItemsAuthenticator> {
      const auth = await createItemsAuthenticator({
        moodle: site.moodle,
        config: { ...BASE, ...options },
        log: { warn: (obj, msg) => logs.push({ obj, msg }), info: (obj, msg) => logs.push({ obj, msg }) },
        nowMs: () => clock.ms,
      })
      authenticators.push(auth)
      return auth
    }

    async function setConfig(name: string, value: string): Promise<void> {
      await db.updateTable('mdl_config').set({ value }).where('name', '=', name).execute()
    }

    async function addToken(row: { userid?: number; service?: string; tokentype?: number; contextid?: number; validuntil?: number | null; iprestriction?: string | null; sid?: string | null; lastaccess?: number | null; externalserviceid?: number }): Promise<{ token: string; id: number }> {
      const token = randomBytes(16).toString('hex')
      await db.insertInto('mdl_external_tokens').values({
        token, tokentype: row.tokentype ?? 0, userid: row.userid ?? PLAIN,
        externalserviceid: row.externalserviceid ?? services[row.service ?? 'open'], contextid: row.contextid ?? 1,
        creatorid: ADMIN, iprestriction: row.iprestriction ?? null, validuntil: row.validuntil ?? 0, timecreated: NOW_S - 1000,
        lastaccess: row.lastaccess ?? null, sid: row.sid ?? null, privatetoken: null, name: 'test',
      }).execute()
      const inserted = await db.selectFrom('mdl_external_tokens').select('id').where('token', '=', token).executeTakeFirstOrThrow()
      return { token, id: Number(inserted.id) }
    }

    async function addSession(userId: number, options: { timemodified?: number; data?: string | null; sessdata?: string | null } = {}): Promise<string> {
      const sid = randomBytes(13).toString('hex').slice(0, 26)
      await db.insertInto('mdl_sessions').values({
        state: 0, sid, userid: userId, sessdata: options.sessdata ?? null, timecreated: NOW_S - 600,
        timemodified: options.timemodified ?? NOW_S - 10, firstip: '192.0.2.10', lastip: '192.0.2.10',
      }).execute()
      if (options.data !== null) {
        const data = options.data ?? moodleSessionData({ id: String(userId), sesskey: 'Ab3dE6gH9j' })
        writeFileSync(join(site.dataroot, 'sessions', `sess_${sid}`), data, { mode: 0o600 })
      }
      return sid
    }

    before(async () => {
      site = await openSite(engine)
      db = site.moodle.db as unknown as Kysely<any>
      const set = (id: number, values: Record<string, unknown>) => db.updateTable('mdl_user').set(values).where('id', '=', id).execute()
      await set(DELETED, { deleted: 1 })
      await set(SUSPENDED, { suspended: 1 })
      await set(UNCONFIRMED, { confirmed: 0 })
      await set(NOLOGIN, { auth: 'nologin' })
      const service = async (name: string, values: Record<string, unknown>) => {
        await db.insertInto('mdl_external_services').values({
          name, shortname: name, enabled: 1, restrictedusers: 0, requiredcapability: null, component: null,
          timecreated: NOW_S - 5000, timemodified: null, downloadfiles: 0, uploadfiles: 0, ...values,
        }).execute()
        const row = await db.selectFrom('mdl_external_services').select('id').where('name', '=', name).executeTakeFirstOrThrow()
        services[name] = Number(row.id)
      }
      await service('open', {})
      await service('disabled', { enabled: 0 })
      await service('capable', { requiredcapability: 'moodle/user:viewalldetails' })
      await service('restricted', { restrictedusers: 1 })
      const serviceUser = (userid: number, values: Record<string, unknown>) =>
        db.insertInto('mdl_external_services_users').values({ externalserviceid: services['restricted'], userid, iprestriction: null, validuntil: null, timecreated: NOW_S, ...values }).execute()
      await serviceUser(RESTRICTED_OK, { validuntil: 0 })
      await serviceUser(RESTRICTED_EXPIRED, { validuntil: NOW_S - 1 })
      await serviceUser(RESTRICTED_IP, { iprestriction: '10.0.0.0/8' })
      const assign = (userid: number, roleid: number) =>
        db.insertInto('mdl_role_assignments').values({ roleid, contextid: 1, userid, timemodified: NOW_S, modifierid: ADMIN, component: '', itemid: 0, sortorder: 0 }).execute()
      await assign(MANAGER, 1)
      await assign(PROHIBITED, 1)
      await assign(PROHIBITED, 5)
      await assign(PREVENTED, 4)
      const permit = (roleid: number, capability: string, permission: number) =>
        db.insertInto('mdl_role_capabilities').values({ contextid: 1, roleid, capability, permission, timemodified: NOW_S, modifierid: ADMIN }).execute()
      await permit(5, 'moodle/user:viewalldetails', -1000)
      await permit(4, 'moodle/cohort:view', -1)
      await permit(1, 'local/middag:manage', 1) // a capability Moodle does not know
    })

    beforeEach(() => {
      clock.ms = NOW_S * 1000
    })

    after(async () => {
      for (const auth of authenticators) await auth.close()
      await site?.close()
    })

    describe('bearer JWT', () => {
      it('accepts HS256 with sub as the user id, and the username claim when sub is absent', async () => {
        const auth = await makeAuth()
        const ok = await auth.authenticate(bearer(await hs(valid({ sub: String(PLAIN) }))))
        assert.deepEqual(ok, { ok: true, principal: { userId: PLAIN, via: 'jwt', tokenId: null, siteAdmin: false, credentialRef: 'jwt:-' } })
        assert.equal(summary(await auth.authenticate(bearer(await hs(valid({ username: 'tool_generator_000001' }))))), 'jwt:3')
        const admin = await auth.authenticate(bearer(await hs(valid({ sub: '2' }))))
        assert.equal(admin.ok && admin.principal.siteAdmin, true)
      })

      it('reads the configured username claim, matches usernames exactly and ignores it when sub is present', async () => {
        const auth = await makeAuth({ items_jwt_username_claim: 'preferred_username' })
        assert.equal(summary(await auth.authenticate(bearer(await hs(valid({ preferred_username: 'tool_generator_000002' }))))), 'jwt:4')
        assert.equal(summary(await auth.authenticate(bearer(await hs(valid({ username: 'tool_generator_000002' }))))), '401 invalid_credentials')
        assert.equal(summary(await auth.authenticate(bearer(await hs(valid({ preferred_username: 'TOOL_GENERATOR_000002' }))))), '401 invalid_credentials')
        assert.equal(summary(await auth.authenticate(bearer(await hs(valid({ preferred_username: 'tool_generator_000002 ' }))))), '401 invalid_credentials')
        assert.equal(summary(await auth.authenticate(bearer(await hs(valid({ preferred_username: '' }))))), '401 invalid_credentials')
        // sub wins, even when it is invalid and a username is present
        assert.equal(summary(await auth.authenticate(bearer(await hs(valid({ sub: 'x', preferred_username: 'tool_generator_000002' }))))), '401 invalid_credentials')
      })

      it('refuses malformed sub values', async () => {
        const auth = await makeAuth()
        for (const sub of ['04', '0', 'abc', '12345678901234567', ' 4', '4.0']) {
          assert.equal(summary(await auth.authenticate(bearer(await hs(valid({ sub }))))), '401 invalid_credentials', sub)
        }
        const numeric = await hs(valid({ sub: 4 as unknown as string }))
        assert.equal(summary(await auth.authenticate(bearer(numeric))), '401 invalid_credentials')
      })

      it('refuses unknown, guest, deleted, suspended, unconfirmed and nologin users', async () => {
        const auth = await makeAuth()
        for (const id of [999999, GUEST, DELETED, SUSPENDED, UNCONFIRMED, NOLOGIN]) {
          const outcome = await auth.authenticate(bearer(await hs(valid({ sub: String(id) }))))
          assert.equal(summary(outcome), '401 invalid_credentials', String(id))
          assert.deepEqual(!outcome.ok && outcome.refusal.headers, { 'WWW-Authenticate': 'Bearer realm="moodle-bridge"' })
        }
      })

      it('applies exp (required), nbf and iat with the clock tolerance', async () => {
        const auth = await makeAuth()
        const check = async (claims: JWTPayload) => summary(await auth.authenticate(bearer(await hs({ sub: '4', ...claims }))))
        assert.equal(await check({ exp: NOW_S - 61 }), '401 expired_credentials')
        assert.equal(await check({ exp: NOW_S - 60 }), 'jwt:4') // within the 60 s tolerance
        assert.equal(await check({}), '401 invalid_credentials') // exp missing
        assert.equal(await check({ exp: String(NOW_S + 60) as unknown as number }), '401 invalid_credentials')
        assert.equal(await check({ exp: NOW_S + 300, nbf: NOW_S + 61 }), '401 invalid_credentials')
        assert.equal(await check({ exp: NOW_S + 300, nbf: NOW_S + 60 }), 'jwt:4')
        assert.equal(await check({ exp: NOW_S + 300, iat: NOW_S + 61 }), '401 invalid_credentials')
        assert.equal(await check({ exp: NOW_S + 300, iat: 'now' as unknown as number }), '401 invalid_credentials')
        const strict = await makeAuth({ items_jwt_clock_tolerance_s: 0 })
        assert.equal(summary(await strict.authenticate(bearer(await hs({ sub: '4', exp: NOW_S - 1 }))), ), '401 expired_credentials')
      })

      it('checks iss and aud when configured', async () => {
        const auth = await makeAuth({ items_jwt_issuer: ['https://idp.example.org', 'other'], items_jwt_audience: ['moodle-bridge'] })
        const check = async (claims: JWTPayload) => summary(await auth.authenticate(bearer(await hs(valid({ sub: '4', ...claims })))))
        assert.equal(await check({ iss: 'https://idp.example.org', aud: 'moodle-bridge' }), 'jwt:4')
        assert.equal(await check({ iss: 'other', aud: ['x', 'moodle-bridge'] }), 'jwt:4')
        assert.equal(await check({ iss: 'https://evil.example.org', aud: 'moodle-bridge' }), '401 invalid_credentials')
        assert.equal(await check({ aud: 'moodle-bridge' }), '401 invalid_credentials')
        assert.equal(await check({ iss: 'other', aud: 'somebody-else' }), '401 invalid_credentials')
        assert.equal(await check({ iss: 'other' }), '401 invalid_credentials')
      })

      it('verifies RS256 and ES256 with a configured public key, and only the algorithm of that key', async () => {
        const rsa = await makeAuth({ items_jwt_hs256_secret: undefined, items_jwt_public_key: await exportSPKI(keys.rsa.publicKey) })
        assert.equal(summary(await rsa.authenticate(bearer(await sign(keys.rsa.privateKey, 'RS256', valid({ sub: '4' }))))), 'jwt:4')
        assert.equal(summary(await rsa.authenticate(bearer(await sign(keys.rsaOther.privateKey, 'RS256', valid({ sub: '4' }))))), '401 invalid_credentials')
        assert.equal(summary(await rsa.authenticate(bearer(await hs(valid({ sub: '4' }))))), '401 invalid_credentials') // no secret configured
        // the classic confusion: the public key's PEM used as an HMAC secret
        const pem = new TextEncoder().encode(await exportSPKI(keys.rsa.publicKey))
        assert.equal(summary(await rsa.authenticate(bearer(await sign(pem, 'HS256', valid({ sub: '4' }))))), '401 invalid_credentials')
        const ec = await makeAuth({ items_jwt_public_key: await exportSPKI(keys.ec.publicKey) })
        assert.equal(summary(await ec.authenticate(bearer(await sign(keys.ec.privateKey, 'ES256', valid({ sub: '5' }))))), 'jwt:5')
        assert.equal(summary(await ec.authenticate(bearer(await hs(valid({ sub: '5' }))))), 'jwt:5') // secret and key together
        assert.equal(summary(await ec.authenticate(bearer(await sign(keys.rsa.privateKey, 'RS256', valid({ sub: '5' }))))), '401 invalid_credentials')
      })

      it('refuses alg none, other algorithms, tampered tokens and JWTs when no key is configured', async () => {
        const auth = await makeAuth()
        const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url')
        const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(valid({ sub: '2' }))}.c2ln`
        assert.equal(summary(await auth.authenticate(bearer(none))), '401 invalid_credentials')
        const hs512 = await sign(new TextEncoder().encode(HS_SECRET + HS_SECRET), 'HS512', valid({ sub: '2' }))
        assert.equal(summary(await auth.authenticate(bearer(hs512))), '401 invalid_credentials')
        const [h, , s] = (await hs(valid({ sub: '4' }))).split('.')
        assert.equal(summary(await auth.authenticate(bearer(`${h}.${b64(valid({ sub: '2' }))}.${s}`))), '401 invalid_credentials')
        const keyless = await makeAuth({ items_jwt_hs256_secret: undefined })
        assert.equal(summary(await keyless.authenticate(bearer(await hs(valid({ sub: '4' }))))), '401 invalid_credentials')
        assert.ok(logs.some((l) => (l.obj as { cause?: string }).cause === 'no JWT key configured'))
      })

      describe('with a JWKS endpoint', () => {
        let server: Server
        let url: string
        let hits = 0
        let document: { keys: JWK[] } = { keys: [] }

        before(async () => {
          document = { keys: [{ ...(await exportJWK(keys.rsa.publicKey)), kid: 'r1', use: 'sig' }, { ...(await exportJWK(keys.ec.publicKey)), kid: 'e1' }] }
          server = createServer((_req, res) => {
            hits++
            res.setHeader('content-type', 'application/json')
            res.end(JSON.stringify(document))
          })
          await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
          url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`
        })
        after(() => new Promise<void>((resolve) => server.close(() => resolve())))

        it('finds keys by kid, or the only key of the type without kid, and refetches unknown kids at most every 30 s', async () => {
          clock.ms = NOW_S * 1000
          const auth = await makeAuth({ items_jwt_hs256_secret: undefined, items_jwt_jwks_url: url })
          const rs = (kid?: string, key = keys.rsa.privateKey) => sign(key, 'RS256', valid({ sub: '4' }), kid ? { kid } : {})
          assert.equal(summary(await auth.authenticate(bearer(await rs('r1')))), 'jwt:4')
          assert.equal(summary(await auth.authenticate(bearer(await sign(keys.ec.privateKey, 'ES256', valid({ sub: '5' }), { kid: 'e1' })))), 'jwt:5')
          assert.equal(summary(await auth.authenticate(bearer(await rs()))), 'jwt:4') // no kid: the only RSA key
          assert.equal(hits, 1) // cached
          assert.equal(summary(await auth.authenticate(bearer(await rs('e1')))), '401 invalid_credentials') // kid of another type
          // A new key appears: the first unknown kid refetches, the next within 30 s does not.
          document.keys.push({ ...(await exportJWK(keys.rsaOther.publicKey)), kid: 'r2' })
          clock.ms += 31_000
          assert.equal(summary(await auth.authenticate(bearer(await rs('r2', keys.rsaOther.privateKey)))), 'jwt:4')
          assert.equal(hits, 2)
          assert.equal(summary(await auth.authenticate(bearer(await rs('r3')))), '401 invalid_credentials')
          assert.equal(hits, 2) // throttled: the last fetch was less than 30 s ago
          clock.ms += 30_000
          assert.equal(summary(await auth.authenticate(bearer(await rs('r4')))), '401 invalid_credentials')
          assert.equal(hits, 3)
          assert.equal(summary(await auth.authenticate(bearer(await rs('r5')))), '401 invalid_credentials')
          assert.equal(hits, 3)
          // two RSA keys now: a token without kid is ambiguous
          assert.equal(summary(await auth.authenticate(bearer(await rs()))), '401 invalid_credentials')
          // HS256 is not accepted from a JWKS configuration
          assert.equal(summary(await auth.authenticate(bearer(await hs(valid({ sub: '4' }))))), '401 invalid_credentials')
        })

        it('answers 503 unavailable when the endpoint cannot be reached', async () => {
          const down = createServer()
          await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve))
          const port = (down.address() as AddressInfo).port
          await new Promise<void>((resolve) => down.close(() => resolve()))
          const auth = await makeAuth({ items_jwt_jwks_url: `http://127.0.0.1:${port}/jwks` })
          const token = await sign(keys.rsa.privateKey, 'RS256', valid({ sub: '4' }), { kid: 'r1' })
          assert.deepEqual(await auth.authenticate(bearer(token)), { ok: false, refusal: { status: 503, reason: 'unavailable' } })
          // HS256 still works beside the unreachable JWKS
          assert.equal(summary(await auth.authenticate(bearer(await hs(valid({ sub: '4' }))))), 'jwt:4')
        })
      })
    })

    describe('web service tokens', () => {
      it('accepts a permanent system-context token from the header (Bearer or bare) or ?wstoken', async () => {
        const auth = await makeAuth()
        const { token, id } = await addToken({})
        assert.deepEqual(await auth.authenticate(bearer(token)), { ok: true, principal: { userId: PLAIN, via: 'wstoken', tokenId: id, siteAdmin: false } })
        assert.equal(summary(await auth.authenticate(request({ headers: { authorization: token } }))), 'wstoken:4')
        assert.equal(summary(await auth.authenticate(request({ query: { wstoken: token } }))), 'wstoken:4')
        assert.equal(summary(await auth.authenticate(request({ headers: { authorization: `Bearer ${token}` }, query: { wstoken: token } }))), '400 ambiguous_credentials')
        // tokens need no sesskey, and a cookie beside them is ignored
        assert.equal(summary(await auth.authenticate(bearer(token, { method: 'POST', headers: { cookie: 'MoodleSession=nonexistent' } }))), 'wstoken:4')
      })

      it('compares the token exactly (case, length) and checks its syntax before the database', async () => {
        const auth = await makeAuth()
        const { token } = await addToken({})
        for (const presented of [token.toUpperCase(), token.slice(0, -1), `${token}0`, `${token.slice(0, 10)}-${token.slice(11)}`, 'a'.repeat(129)]) {
          assert.equal(summary(await auth.authenticate(bearer(presented))), '401 invalid_credentials', presented)
        }
      })

      it('refuses embedded tokens, expired tokens (expired_credentials) and tokens below the system context', async () => {
        const auth = await makeAuth()
        assert.equal(summary(await auth.authenticate(bearer((await addToken({ tokentype: 1 })).token))), '401 invalid_credentials')
        assert.equal(summary(await auth.authenticate(bearer((await addToken({ validuntil: NOW_S - 1 })).token))), '401 expired_credentials')
        assert.equal(summary(await auth.authenticate(bearer((await addToken({ validuntil: NOW_S + 100 })).token))), 'wstoken:4')
        assert.equal(summary(await auth.authenticate(bearer((await addToken({ validuntil: null })).token))), 'wstoken:4')
        assert.equal(summary(await auth.authenticate(bearer((await addToken({ contextid: 2 })).token))), '401 invalid_credentials')
      })

      it('applies the IP restriction to the client address', async () => {
        const auth = await makeAuth()
        const { token } = await addToken({ iprestriction: '198.51.100.0/24, 192.0.2.10-20,2001:db8' })
        const from = (clientIp: string) => auth.authenticate(bearer(token, { clientIp })).then(summary)
        assert.equal(await from('198.51.100.77'), 'wstoken:4')
        assert.equal(await from('192.0.2.15'), 'wstoken:4')
        assert.equal(await from('::ffff:192.0.2.20'), 'wstoken:4')
        assert.equal(await from('2001:db8:5::1'), 'wstoken:4')
        assert.equal(await from('192.0.2.21'), '401 invalid_credentials')
        assert.equal(await from('203.0.113.1'), '401 invalid_credentials')
        assert.ok(logs.some((l) => String((l.obj as { cause?: string }).cause).endsWith('IP restriction')))
      })

      it("checks the token's user", async () => {
        const auth = await makeAuth()
        for (const userid of [DELETED, SUSPENDED, UNCONFIRMED, NOLOGIN, GUEST, 999999]) {
          assert.equal(summary(await auth.authenticate(bearer((await addToken({ userid })).token))), '401 invalid_credentials', String(userid))
        }
      })

      it('requires an enabled service, allowed by items_wstoken_allowed_services when set', async () => {
        const auth = await makeAuth()
        assert.equal(summary(await auth.authenticate(bearer((await addToken({ service: 'disabled' })).token))), '401 invalid_credentials')
        assert.equal(summary(await auth.authenticate(bearer((await addToken({ externalserviceid: 987654 })).token))), '401 invalid_credentials')
        const { token } = await addToken({})
        const limited = await makeAuth({ items_wstoken_allowed_services: ['moodle_mobile_app'] })
        assert.equal(summary(await limited.authenticate(bearer(token))), '401 invalid_credentials')
        const listed = await makeAuth({ items_wstoken_allowed_services: ['moodle_mobile_app', 'open'] })
        assert.equal(summary(await listed.authenticate(bearer(token))), 'wstoken:4')
      })

      it("requires the service's capability at system context", async () => {
        const auth = await makeAuth()
        assert.equal(summary(await auth.authenticate(bearer((await addToken({ service: 'capable', userid: MANAGER })).token))), 'wstoken:5')
        assert.equal(summary(await auth.authenticate(bearer((await addToken({ service: 'capable', userid: ADMIN })).token))), 'wstoken:2')
        assert.equal(summary(await auth.authenticate(bearer((await addToken({ service: 'capable', userid: PLAIN })).token))), '401 invalid_credentials')
        assert.equal(summary(await auth.authenticate(bearer((await addToken({ service: 'capable', userid: PROHIBITED })).token))), '401 invalid_credentials')
      })

      it('lets restricted services in only for listed users whose entry is current and whose address matches', async () => {
        const auth = await makeAuth()
        const token = async (userid: number) => (await addToken({ service: 'restricted', userid })).token
        assert.equal(summary(await auth.authenticate(bearer(await token(RESTRICTED_OK)))), 'wstoken:3')
        assert.equal(summary(await auth.authenticate(bearer(await token(PLAIN)))), '401 invalid_credentials') // no row
        assert.equal(summary(await auth.authenticate(bearer(await token(RESTRICTED_EXPIRED)))), '401 invalid_credentials')
        const ip = await token(RESTRICTED_IP)
        assert.equal(summary(await auth.authenticate(bearer(ip, { clientIp: '192.0.2.10' }))), '401 invalid_credentials')
        assert.equal(summary(await auth.authenticate(bearer(ip, { clientIp: '10.20.30.40' }))), 'wstoken:8')
      })

      it('requires a live session for session-bound tokens', async () => {
        const auth = await makeAuth()
        const live = await addSession(PLAIN, { data: null })
        const stale = await addSession(PLAIN, { data: null, timemodified: NOW_S - 28801 })
        const anonymous = await addSession(0, { data: null })
        assert.equal(summary(await auth.authenticate(bearer((await addToken({ sid: live })).token))), 'wstoken:4')
        for (const sid of [stale, anonymous, 'nosuchsession0000000000000']) {
          assert.equal(summary(await auth.authenticate(bearer((await addToken({ sid })).token))), '401 invalid_credentials', sid)
        }
      })

      it('refuses every token while web services are off, in Moodle or in the service', async () => {
        const { token } = await addToken({})
        const moodleOff = await makeAuth({ items_moodle_config: {} }) // the fixture's enablewebservices is 0
        assert.equal(summary(await moodleOff.authenticate(bearer(token))), '401 invalid_credentials')
        const serviceOff = await makeAuth({ items_wstoken_enabled: false })
        assert.equal(summary(await serviceOff.authenticate(bearer(token))), '401 invalid_credentials')
        assert.ok(logs.some((l) => (l.obj as { cause?: string }).cause === 'web services disabled in Moodle (enablewebservices)'))
      })

      it('updates lastaccess only when enabled, at most once a minute', async () => {
        const lastaccess = async (id: number) => {
          const row = await db.selectFrom('mdl_external_tokens').select('lastaccess').where('id', '=', id).executeTakeFirstOrThrow()
          return row.lastaccess === null ? null : Number(row.lastaccess)
        }
        const fresh = await addToken({})
        await (await makeAuth()).authenticate(bearer(fresh.token))
        assert.equal(await lastaccess(fresh.id), null)
        const auth = await makeAuth({ items_wstoken_update_lastaccess: true })
        await auth.authenticate(bearer(fresh.token))
        assert.equal(await lastaccess(fresh.id), NOW_S)
        const recent = await addToken({ lastaccess: NOW_S - 30 })
        await auth.authenticate(bearer(recent.token))
        assert.equal(await lastaccess(recent.id), NOW_S - 30)
        const old = await addToken({ lastaccess: NOW_S - 61 })
        await auth.authenticate(bearer(old.token))
        assert.equal(await lastaccess(old.id), NOW_S)
      })

      it('never logs token values', async () => {
        const auth = await makeAuth({ items_wstoken_enabled: true })
        const { token } = await addToken({ contextid: 2 })
        await auth.authenticate(request({ query: { wstoken: token } }))
        assert.ok(!JSON.stringify(logs).includes(token))
      })
    })

    describe('session cookies', () => {
      it('accepts a file-handler session for safe methods, and unsafe ones with the sesskey', async () => {
        const auth = await makeAuth()
        const sid = await addSession(PLAIN)
        assert.deepEqual(await auth.authenticate(cookie(sid)), { ok: true, principal: { userId: PLAIN, via: 'session', tokenId: null, siteAdmin: false } })
        assert.equal(summary(await auth.authenticate(cookie(sid, { method: 'POST' }))), '403 invalid_sesskey')
        assert.equal(summary(await auth.authenticate(cookie(sid, { method: 'POST', headers: { 'x-sesskey': 'Ab3dE6gH9j' } }))), 'session:4')
        assert.equal(summary(await auth.authenticate(cookie(sid, { method: 'DELETE', query: { sesskey: 'Ab3dE6gH9j' } }))), 'session:4')
        assert.equal(summary(await auth.authenticate(cookie(sid, { method: 'PUT', headers: { 'x-sesskey': 'Ab3dE6gH9j' }, query: { sesskey: 'Ab3dE6gH9k' } }))), '403 invalid_sesskey')
        assert.equal(summary(await auth.authenticate(cookie(sid, { method: 'PATCH', headers: { 'x-sesskey': 'wrongwrong' } }))), '403 invalid_sesskey')
      })

      it('refuses a sesskey check against a session without sesskey', async () => {
        const auth = await makeAuth()
        const sid = await addSession(PLAIN, { data: moodleSessionData({ id: String(PLAIN) }) })
        assert.equal(summary(await auth.authenticate(cookie(sid))), 'session:4')
        assert.equal(summary(await auth.authenticate(cookie(sid, { method: 'POST', headers: { 'x-sesskey': '' } }))), '403 invalid_sesskey')
      })

      it('refuses timed-out, anonymous, guest and unknown sessions and malformed cookies', async () => {
        const auth = await makeAuth()
        assert.equal(summary(await auth.authenticate(cookie(await addSession(PLAIN, { timemodified: NOW_S - 28801 })))), '401 expired_credentials')
        assert.equal(summary(await auth.authenticate(cookie(await addSession(PLAIN, { timemodified: NOW_S - 28800 })))), 'session:4')
        assert.equal(summary(await auth.authenticate(cookie(await addSession(0)))), '401 invalid_credentials')
        assert.equal(summary(await auth.authenticate(cookie(await addSession(GUEST)))), '401 invalid_credentials')
        assert.equal(summary(await auth.authenticate(cookie('nosuchsession0000000000000'))), '401 invalid_credentials')
        for (const bad of ['../../etc/passwd', 'a b', 'x'.repeat(129), '']) {
          assert.equal(summary(await auth.authenticate(cookie(bad))), '401 invalid_credentials', bad)
        }
        // A row of the fixture itself: the admin's session from the PostgreSQL dump has no file here
        // (and is old). The MariaDB dump holds only not-logged-in sessions (userid 0).
        const fixtureSession = engine === 'mariadb' ? '6sl2pif37sonsge1v7q3p62o4q' : 'jk1old3e13e6i8g5te5f131ele'
        assert.equal(summary(await auth.authenticate(cookie(fixtureSession))), engine === 'mariadb' ? '401 invalid_credentials' : '401 expired_credentials')
      })

      it('needs both the row and the file, and refuses data that does not decode after one re-read', async () => {
        const auth = await makeAuth()
        assert.equal(summary(await auth.authenticate(cookie(await addSession(PLAIN, { data: null })))), '401 invalid_credentials')
        const orphan = randomBytes(13).toString('hex')
        writeFileSync(join(site.dataroot, 'sessions', `sess_${orphan}`), moodleSessionData({ id: String(PLAIN), sesskey: 'x' }))
        assert.equal(summary(await auth.authenticate(cookie(orphan))), '401 invalid_credentials')
        assert.equal(summary(await auth.authenticate(cookie(await addSession(PLAIN, { data: '' })))), '401 invalid_credentials')
        assert.equal(summary(await auth.authenticate(cookie(await addSession(PLAIN, { data: 'USER|O:8:"stdClass":1:{s:2:"id";' })))), '401 invalid_credentials')
        assert.ok(logs.some((l) => (l.obj as { cause?: string }).cause === 'session data undecodable'))
        const huge = moodleSessionData({ id: String(PLAIN), sesskey: 'k', padding: 'x'.repeat(1024 * 1024) })
        assert.equal(summary(await auth.authenticate(cookie(await addSession(PLAIN, { data: huge })))), '401 invalid_credentials')
        assert.ok(logs.some((l) => (l.obj as { cause?: string }).cause === 'session file too large'))
      })

      it('reads a file that PHP is still writing once more', async () => {
        const auth = await makeAuth()
        const sid = await addSession(PLAIN, { data: '' })
        const file = join(site.dataroot, 'sessions', `sess_${sid}`)
        setTimeout(() => writeFileSync(file, moodleSessionData({ id: String(PLAIN), sesskey: 'k' })), 5)
        assert.equal(summary(await auth.authenticate(cookie(sid))), 'session:4')
      })

      it('checks USER: its id against the row, "log in as" sessions, and the bound address with tracksessionip', async () => {
        const auth = await makeAuth()
        const data = (user: Record<string, string | number | null>) => moodleSessionData({ id: String(PLAIN), sesskey: 's', ...user })
        assert.equal(summary(await auth.authenticate(cookie(await addSession(PLAIN, { data: data({ id: String(MANAGER) }) })))), '401 invalid_credentials')
        assert.equal(summary(await auth.authenticate(cookie(await addSession(PLAIN, { data: data({ id: PLAIN }) })))), 'session:4') // an integer id
        assert.equal(summary(await auth.authenticate(cookie(await addSession(PLAIN, { data: data({ id: '0' }) })))), '401 invalid_credentials')
        assert.equal(summary(await auth.authenticate(cookie(await addSession(PLAIN, { data: data({ realuser: String(ADMIN) }) })))), '401 invalid_credentials')
        assert.equal(summary(await auth.authenticate(cookie(await addSession(PLAIN, { data: data({ realuser: null }) })))), 'session:4')
        const bound = await addSession(PLAIN, { data: data({ sessionip: '198.51.100.9' }) })
        assert.equal(summary(await auth.authenticate(cookie(bound))), 'session:4') // tracksessionip is off
        const tracking = await makeAuth({ items_moodle_config: { tracksessionip: '1' } })
        assert.equal(summary(await tracking.authenticate(cookie(bound))), '401 invalid_credentials')
        assert.equal(summary(await tracking.authenticate(cookie(bound, { clientIp: '198.51.100.9' }))), 'session:4')
        assert.equal(summary(await tracking.authenticate(cookie(await addSession(PLAIN)))), 'session:4') // no sessionip stored
      })

      it("checks the session's user", async () => {
        const auth = await makeAuth()
        for (const id of [DELETED, SUSPENDED, UNCONFIRMED, NOLOGIN]) {
          assert.equal(summary(await auth.authenticate(cookie(await addSession(id)))), '401 invalid_credentials', String(id))
        }
      })

      it('uses the cookie name MoodleSession + sessioncookie', async () => {
        const auth = await makeAuth({ items_moodle_config: { sessioncookie: 'Lab' } })
        const sid = await addSession(PLAIN)
        assert.equal(summary(await auth.authenticate(cookie(sid, {}, 'MoodleSessionLab'))), 'session:4')
        assert.equal(summary(await auth.authenticate(cookie(sid))), '401 missing_credentials')
      })

      it('reads the database handler (base64 sessdata)', async () => {
        const auth = await makeAuth({ items_session_handler: 'database' })
        const data = Buffer.from(moodleSessionData({ id: String(MANAGER), sesskey: 'DbSessKey1' })).toString('base64')
        const sid = await addSession(MANAGER, { data: null, sessdata: data })
        assert.equal(summary(await auth.authenticate(cookie(sid, { method: 'POST', headers: { 'x-sesskey': 'DbSessKey1' } }))), 'session:5')
        assert.equal(summary(await auth.authenticate(cookie(await addSession(MANAGER)))), '401 invalid_credentials') // file only, sessdata NULL
        const auto = await makeAuth({ items_moodle_config: { dbsessions: '1' } })
        assert.equal(summary(await auto.authenticate(cookie(sid))), 'session:5')
      })

      it("follows config.php's session_handler_class and session_file_save_path", async () => {
        const forced = site.moodle.forcedSettings
        try {
          forced.set('session_handler_class', '\\core\\session\\redis')
          const redis = await makeAuth()
          assert.ok(logs.some((l) => l.msg.includes('session cookies will not be accepted')))
          assert.equal(summary(await redis.authenticate(cookie(await addSession(PLAIN)))), '401 missing_credentials')
          forced.set('session_handler_class', 'core\\session\\database')
          const database = await makeAuth()
          const sid = await addSession(PLAIN, { data: null, sessdata: Buffer.from(moodleSessionData({ id: '4' })).toString('base64') })
          assert.equal(summary(await database.authenticate(cookie(sid))), 'session:4')
          forced.set('session_handler_class', '\\core\\session\\file')
          const elsewhere = join(site.dataroot, 'elsewhere')
          mkdirSync(elsewhere, { recursive: true })
          forced.set('session_file_save_path', elsewhere)
          const file = await makeAuth()
          const moved = await addSession(PLAIN, { data: null })
          writeFileSync(join(elsewhere, `sess_${moved}`), moodleSessionData({ id: '4' }))
          assert.equal(summary(await file.authenticate(cookie(moved))), 'session:4')
          assert.equal(summary(await file.authenticate(cookie(await addSession(PLAIN)))), '401 invalid_credentials') // in the default folder
        } finally {
          forced.delete('session_handler_class')
          forced.delete('session_file_save_path')
        }
        const none = await makeAuth({ items_session_handler: 'none' })
        assert.equal(summary(await none.authenticate(cookie(await addSession(PLAIN)))), '401 missing_credentials')
        assert.equal(summary(await none.authenticate(request())), '401 missing_credentials')
      })
    })

    describe('capabilities and maintenance', () => {
      const principal = (userId: number, siteAdmin = false): Principal => ({ userId, via: 'jwt', tokenId: null, siteAdmin })

      it('evaluates has() at system context: admins, allow, prohibit, prevent, default role, unknown capabilities', async () => {
        const auth = await makeAuth()
        assert.equal(await auth.has(principal(ADMIN, true), 'local/middag:whatever'), true)
        assert.equal(await auth.has(principal(MANAGER), 'moodle/user:viewalldetails'), true)
        assert.equal(await auth.has(principal(PROHIBITED), 'moodle/user:viewalldetails'), false)
        assert.equal(await auth.has(principal(PROHIBITED), 'moodle/cohort:view'), true)
        assert.equal(await auth.has(principal(PREVENTED), 'moodle/cohort:view'), false)
        assert.equal(await auth.has(principal(PLAIN), 'moodle/user:viewalldetails'), false)
        assert.equal(await auth.has(principal(PLAIN), 'moodle/site:sendmessage'), true) // defaultuserroleid 7
        assert.equal(await auth.has(principal(MANAGER), 'local/middag:manage'), false) // allowed, but unknown to Moodle
        assert.equal(await auth.has(principal(MANAGER), 'MOODLE/USER:VIEWALLDETAILS'), false)
        const noDefault = await makeAuth({ items_moodle_config: { defaultuserroleid: '0' } })
        assert.equal(await noDefault.has(principal(PLAIN), 'moodle/site:sendmessage'), false)
        // role changes are seen at once
        await db.insertInto('mdl_role_assignments').values({ roleid: 1, contextid: 1, userid: PLAIN, timemodified: NOW_S, modifierid: ADMIN, component: '', itemid: 0, sortorder: 0 }).execute()
        assert.equal(await auth.has(principal(PLAIN), 'moodle/user:viewalldetails'), true)
        await db.deleteFrom('mdl_role_assignments').where('userid', '=', PLAIN).where('contextid', '=', 1).execute()
        assert.equal(await auth.has(principal(PLAIN), 'moodle/user:viewalldetails'), false)
      })

      it('lists capabilities Moodle does not know', async () => {
        const auth = await makeAuth()
        assert.deepEqual(
          await auth.unknownCapabilities(['moodle/cohort:view', 'local/middag:manage', 'local/middag:manage', 'local/middag:coursegroup_manage']),
          ['local/middag:manage', 'local/middag:coursegroup_manage'],
        )
        assert.deepEqual(await auth.unknownCapabilities([]), [])
      })

      it('answers 503 maintenance in maintenance mode except to admins and holders of moodle/site:maintenanceaccess', async () => {
        const auth = await makeAuth({ items_moodle_config: { enablewebservices: '1', maintenance_enabled: '1' } })
        assert.equal(summary(await auth.authenticate(bearer(await hs(valid({ sub: String(ADMIN) }))))), 'jwt:2')
        assert.deepEqual(await auth.authenticate(bearer(await hs(valid({ sub: String(PLAIN) })))), { ok: false, refusal: { status: 503, reason: 'maintenance' } })
        assert.equal(summary(await auth.authenticate(bearer((await addToken({ userid: MANAGER })).token))), '503 maintenance')
        // authentication failures still come first, maintenance before the sesskey
        assert.equal(summary(await auth.authenticate(bearer(await hs(valid({ sub: String(SUSPENDED) }))))), '401 invalid_credentials')
        assert.equal(summary(await auth.authenticate(cookie(await addSession(PLAIN), { method: 'POST' }))), '503 maintenance')
        await db.insertInto('mdl_role_capabilities').values({ contextid: 1, roleid: 1, capability: 'moodle/site:maintenanceaccess', permission: 1, timemodified: NOW_S, modifierid: ADMIN }).execute()
        assert.equal(summary(await auth.authenticate(bearer((await addToken({ userid: MANAGER })).token))), 'wstoken:5')
        assert.equal(summary(await auth.authenticate(bearer(await hs(valid({ sub: String(PLAIN) }))))), '503 maintenance')
      })

      it("reads maintenance_enabled from Moodle's config table", async () => {
        const auth = await makeAuth()
        const token = await hs(valid({ sub: String(PLAIN) }))
        assert.equal(summary(await auth.authenticate(bearer(token))), 'jwt:4')
        await setConfig('maintenance_enabled', '1')
        try {
          assert.equal(summary(await auth.authenticate(bearer(token))), '503 maintenance')
        } finally {
          await setConfig('maintenance_enabled', '0')
        }
      })
    })

    describe('settings', () => {
      it('layers items_moodle_config over config.php over mdl_config', async () => {
        const { token } = await addToken({})
        const fromDb = await makeAuth({ items_moodle_config: {} })
        assert.equal(summary(await fromDb.authenticate(bearer(token))), '401 invalid_credentials') // mdl_config: 0
        await setConfig('enablewebservices', '1')
        try {
          assert.equal(summary(await fromDb.authenticate(bearer(token))), 'wstoken:4')
          site.moodle.forcedSettings.set('enablewebservices', '0') // config.php wins over the row
          assert.equal(summary(await fromDb.authenticate(bearer(token))), '401 invalid_credentials')
          const overridden = await makeAuth({ items_moodle_config: { enablewebservices: '1' } })
          assert.equal(summary(await overridden.authenticate(bearer(token))), 'wstoken:4')
          site.moodle.forcedSettings.set('siteadmins', `${ADMIN},${PLAIN}`)
          const admin = await fromDb.authenticate(bearer(await hs(valid({ sub: String(PLAIN) }))))
          assert.equal(admin.ok && admin.principal.siteAdmin, true)
        } finally {
          site.moodle.forcedSettings.delete('enablewebservices')
          site.moodle.forcedSettings.delete('siteadmins')
          await setConfig('enablewebservices', '0')
        }
      })

      it('reuses mdl_config values for at most a second, whatever items_settings_cache_s allows beyond that', async () => {
        const { token } = await addToken({})
        clock.ms = NOW_S * 1000
        const auth = await makeAuth({ items_moodle_config: {}, items_settings_cache_s: 30 })
        assert.equal(summary(await auth.authenticate(bearer(token))), '401 invalid_credentials')
        await setConfig('enablewebservices', '1')
        try {
          clock.ms += 900
          assert.equal(summary(await auth.authenticate(bearer(token))), '401 invalid_credentials', 'reused within the second')
          clock.ms += 700
          assert.equal(summary(await auth.authenticate(bearer(token))), 'wstoken:4', 'older than 1.5 s: read afresh')
          await setConfig('enablewebservices', '0')
          clock.ms += 1_100
          assert.equal(summary(await auth.authenticate(bearer(token))), 'wstoken:4', 'between 1 and 1.5 s: served while one refresh runs')
          let after = ''
          for (let i = 0; i < 200 && after !== '401 invalid_credentials'; i++) {
            await new Promise((r) => setTimeout(r, 10))
            after = summary(await auth.authenticate(bearer(token)))
          }
          assert.equal(after, '401 invalid_credentials', 'the refreshed value')
        } finally {
          await setConfig('enablewebservices', '0')
          clock.ms = NOW_S * 1000
        }
      })
    })
  })
}
