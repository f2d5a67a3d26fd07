/**
 * The Items API's routes with the real authenticator (items-api.md §3 steps 7–11, §5, §6.4): every
 * route refuses requests without credentials (401 missing_credentials), with bad or expired JWTs
 * (401), and — for item routes — users without the type's capability (403 missing_capability),
 * while the site administrator, authenticated by a JWT signed here, gets through. On every
 * configured fixture database and the embedded engine.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SignJWT } from 'jose'
import pg from 'pg'
import { ADMIN, itemsDbs, startItemsService, type ItemsService } from './support/items-env.ts'

const SECRET = 'items-routes-secret-0123456789abcdefghijklmnop'
/** A fixture user holding only the default role: no local/middag capability. */
const PLAIN = 4

const sign = (claims: { sub?: string; exp?: number }) => {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' })
  if (claims.sub) jwt.setSubject(claims.sub)
  jwt.setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 600)
  return jwt.sign(new TextEncoder().encode(SECRET))
}

for (const db of itemsDbs()) {
  describe(`Items API routes with real authentication on ${db}`, () => {
    let s: ItemsService
    let admin: string
    let plain: string
    let expired: string
    let itemId: number

    before(async () => {
      s = await startItemsService(db, { items_jwt_hs256_secret: SECRET }, { realAuth: true })
      admin = await sign({ sub: String(ADMIN) })
      plain = await sign({ sub: String(PLAIN) })
      expired = await sign({ sub: String(ADMIN), exp: Math.floor(Date.now() / 1000) - 3600 })
      const created = await s.request('/api/v1/items', {
        user: null, method: 'POST', headers: { authorization: `Bearer ${admin}` }, body: { type: 'generic', fullname: 'Auth probe' },
      })
      assert.equal(created.status, 201, created.body)
      itemId = created.json.data.id
    })
    after(async () => s?.close())

    const routes = (): Array<[string, string, unknown?]> => [
      ['GET', '/api/v1/items'],
      ['GET', '/api/v1/items?type=generic'],
      ['HEAD', '/api/v1/items'],
      ['POST', '/api/v1/items', { type: 'generic', fullname: 'x' }],
      ['GET', `/api/v1/items/${itemId}`],
      ['PUT', `/api/v1/items/${itemId}`, { fullname: 'y' }],
      ['PATCH', `/api/v1/items/${itemId}`, { fullname: 'y' }],
      ['GET', `/api/v1/items/${itemId}/metadata`],
      ['DELETE', `/api/v1/items/${itemId}`],
      ['GET', '/api/openapi.json'],
      ['GET', '/api/openapi.yaml'],
    ]
    const call = (method: string, path: string, body: unknown, authorization?: string) =>
      s.request(path, { user: null, method, ...(body === undefined ? {} : { body }), headers: authorization ? { authorization } : {} })

    it('refuses every route without credentials, with a bad signature, an expired token or a Basic header', async () => {
      const forged = `${admin.slice(0, admin.lastIndexOf('.'))}.${'A'.repeat(43)}`
      for (const [method, path, body] of routes()) {
        const cases: Array<[string | undefined, string]> = [
          [undefined, 'missing_credentials'],
          [`Bearer ${forged}`, 'invalid_credentials'],
          [`Bearer ${expired}`, 'expired_credentials'],
          ['Basic YWRtaW46YWRtaW4=', 'invalid_credentials'],
        ]
        for (const [authorization, reason] of cases) {
          const res = await call(method, path, body, authorization)
          assert.equal(res.status, 401, `${method} ${path} ${reason}`)
          assert.equal(res.headers['www-authenticate'], 'Bearer realm="moodle-bridge"')
          if (method !== 'HEAD') assert.deepEqual(res.json, { success: false, error: true, code: 401, reason, message: 'Unauthenticated.' }, `${method} ${path}`)
        }
      }
    })

    it('refuses item routes to a user without the capability, but serves the OpenAPI document to any user', async () => {
      for (const [method, path, body] of routes()) {
        const res = await call(method, path, body, `Bearer ${plain}`)
        if (path.startsWith('/api/openapi')) {
          assert.equal(res.status, 200, `${method} ${path}`)
          continue
        }
        assert.equal(res.status, 403, `${method} ${path}: ${res.body}`)
        if (method !== 'HEAD') {
          assert.equal(res.json.reason, 'missing_capability', `${method} ${path}`)
          assert.equal(res.json.code, 403)
        }
      }
    })

    it('lets the site administrator through on every route', async () => {
      for (const [method, path, body] of routes()) {
        const res = await call(method, path, body, `Bearer ${admin}`)
        assert.ok(res.status >= 200 && res.status < 300, `${method} ${path}: ${res.status} ${res.body}`)
      }
      assert.equal((await call('GET', `/api/v1/items/${itemId}`, undefined, `Bearer ${admin}`)).status, 404, 'deleted')
    })

    it('records which JWT wrote an item (credentialref jwt:<iss>:<jti>), never the token', async () => {
      const token = await new SignJWT({ jti: 'req-42' }).setProtectedHeader({ alg: 'HS256' }).setSubject(String(ADMIN)).setIssuer('https://idp.example')
        .setExpirationTime(Math.floor(Date.now() / 1000) + 600).sign(new TextEncoder().encode(SECRET))
      const created = await call('POST', '/api/v1/items', { type: 'generic', fullname: 'Audited' }, `Bearer ${token}`)
      assert.equal(created.status, 201, created.body)
      if (db !== 'pgsql') return // the audit rows are read back from the PostgreSQL store here
      const client = new pg.Client({ connectionString: s.stateUrl! })
      await client.connect()
      try {
        const rows = (await client.query('SELECT * FROM mb_item_audit WHERE itemid = $1', [created.json.data.id])).rows
        assert.deepEqual(rows.map((r) => [r.authmethod, r.credentialref]), [['jwt', 'jwt:https://idp.example:req-42']])
        assert.ok(!JSON.stringify(rows).includes(token))
      } finally {
        await client.end()
      }
    })
  })
}
