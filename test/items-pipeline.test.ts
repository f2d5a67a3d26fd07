/** The request pipeline (items-api.md §2.2, §3, §4, §6.4, §11; §18 items 1, 2, 6, 11). */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startItemsService, type ItemsService } from './support/items-env.ts'
import { testEnv } from './support/test-env.ts'

const USER = 3 // an ordinary fixture user

describe('items pipeline with the API disabled', () => {
  let s: ItemsService
  before(async () => {
    s = await startItemsService('pgsql', { mdg_core_api_enabled: false })
  })
  after(async () => s?.close())

  it('answers 403 api_disabled on every path and method, authenticated or not', async () => {
    for (const [method, path, user] of [
      ['GET', '/api/v1/items', 2], ['POST', '/api/v1/items', null], ['OPTIONS', '/api/v1/items', null], ['GET', '/api/openapi.json', null],
      ['GET', '/api/nowhere', null], ['GET', '/api', 2], ['DELETE', '/api/v1/items/1', 2], ['GET', '/api/v1/shop/x', 2], ['GET', '/api/docs', null],
    ] as const) {
      const res = await s.request(path, { method, user })
      assert.equal(res.status, 403, `${method} ${path}`)
      assert.deepEqual(res.json, { success: false, error: true, code: 403, reason: 'api_disabled', message: 'The API is disabled.' })
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    }
  })
})

describe('items pipeline', () => {
  let s: ItemsService
  let dataroot: string
  before(async () => {
    dataroot = mkdtempSync(join(testEnv().tmpDir, 'items-dataroot-'))
    s = await startItemsService('pgsql', { dataroot }, { auth: { grants: new Map([[USER, new Set(['local/middag:manage'])]]) } })
  })
  after(async () => {
    await s?.close()
    rmSync(dataroot, { recursive: true, force: true })
  })

  it('routes before authenticating: 404, 405 with Allow, OPTIONS 204', async () => {
    const unknown = await s.request('/api/v2/items', { user: null })
    assert.equal(unknown.status, 404)
    assert.equal(unknown.json.reason, 'route_not_found')
    for (const bad of ['/api/v1/items/0', '/api/v1/items/01', '/api/v1/items/1.5', '/api/v1/items/9007199254740992', '/api/v1/items/1/meta', '/api/v1/Items']) {
      assert.equal((await s.request(bad)).status, 404, bad)
    }
    const wrong = await s.request('/api/v1/items/5/metadata', { method: 'DELETE', user: null })
    assert.equal(wrong.status, 405)
    assert.equal(wrong.headers.allow, 'GET, HEAD, OPTIONS')
    assert.equal(wrong.json.reason, 'method_not_allowed')
    const options = await s.request('/api/v1/items/', { method: 'OPTIONS', user: null })
    assert.equal(options.status, 204)
    assert.equal(options.headers.allow, 'GET, HEAD, POST, OPTIONS')
    assert.equal(options.headers['access-control-allow-origin'], undefined)
  })

  it('authenticates before reading the body: 401 beats malformed JSON', async () => {
    const res = await s.request('/api/v1/items', { method: 'POST', user: null, raw: '{bad', headers: { 'content-type': 'application/json' } })
    assert.equal(res.status, 401)
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="moodle-bridge"')
    assert.deepEqual(res.json, { success: false, error: true, code: 401, reason: 'missing_credentials', message: 'Unauthenticated.' })
    assert.equal((await s.request('/api/v1/items', { user: 99999999 })).json.reason, 'invalid_credentials')
  })

  it('parses bodies as §4.1 says', async () => {
    const post = (raw: string, type = 'application/json') => s.request('/api/v1/items', { method: 'POST', raw, headers: { 'content-type': type } })
    assert.equal((await post('{"type":"generic"}', 'text/plain')).json.reason, 'unsupported_media_type')
    assert.equal((await post('{"type":"generic"}', 'text/plain')).status, 415)
    assert.equal((await post('{"type":"generic"}', 'application/merge-patch+json; charset=utf-8')).status, 201)
    assert.equal((await post('{bad')).json.reason, 'invalid_json')
    assert.equal((await post('[1]')).json.reason, 'invalid_body')
    assert.equal((await post('')).json.reason, 'invalid_body')
    assert.equal((await post('"x"')).json.message, 'The request body must be a JSON object.')
    assert.equal((await post('{"__proto__":{"x":1},"type":"generic"}')).json.reason, 'invalid_json')
    assert.equal((await post('{"constructor":{"prototype":{}},"type":"generic"}')).json.reason, 'invalid_json')
    const dup = await post('{"type":"company","type":"generic"}')
    assert.equal(dup.json.data.type, 'generic')
    const big = await post(JSON.stringify({ type: 'generic', description: 'x'.repeat(1_100_000) }))
    assert.equal(big.status, 413)
    assert.equal(big.json.reason, 'payload_too_large')
  })

  it('rejects repeated parameters and unknown types with 400', async () => {
    const res = await s.request('/api/v1/items?page=1&page=2&type=nope')
    assert.equal(res.status, 400)
    assert.deepEqual(res.json.errors, { page: ['The page field must be given only once.'], type: ['The selected type is invalid.'] })
    assert.equal(res.json.message, 'The page field must be given only once. (and 1 more error)')
    assert.equal((await s.request('/api/v1/items/1?type=nope')).status, 400)
    assert.equal((await s.request('/api/v1/items?wstoken_x=1&sesskey=2&cachebuster=3')).status, 200)
  })

  it('reuses a valid X-Request-Id and answers HEAD without a body', async () => {
    const res = await s.request('/api/v1/items', { headers: { 'x-request-id': 'abc-123' } })
    assert.equal(res.headers['x-request-id'], 'abc-123')
    const bad = await s.request('/api/v1/items', { headers: { 'x-request-id': 'bad id!' } })
    assert.match(String(bad.headers['x-request-id']), /^[0-9a-f-]{36}$/)
    const head = await s.request('/api/v1/items', { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.body, '')
    assert.equal(head.headers['content-type'], 'application/json; charset=utf-8')
  })

  it('applies the permission table to an ordinary user', async () => {
    const group = (await s.request('/api/v1/items', { method: 'POST', body: { type: 'course_group', fullname: 'Admin group' } })).json.data
    const mine = await s.request('/api/v1/items', { method: 'POST', user: USER, body: { type: 'generic', fullname: 'Mine' } })
    assert.equal(mine.status, 201)
    assert.equal(mine.json.data.usermodified, USER)
    const denied = await s.request('/api/v1/items', { method: 'POST', user: USER, body: { type: 'course_group', fullname: 'x' } })
    assert.equal(denied.status, 403)
    assert.equal(denied.json.message, 'Missing capability: local/middag:coursegroup_manage')
    assert.equal((await s.request(`/api/v1/items/${group.id}`, { user: USER })).status, 403)
    assert.equal((await s.request(`/api/v1/items/${group.id}`, { method: 'DELETE', user: USER })).status, 403)
    assert.equal((await s.request('/api/v1/items?type=course_group', { user: USER })).status, 403)
    const untyped = await s.request('/api/v1/items?perpage=100', { user: USER })
    assert.equal(untyped.status, 200)
    assert.ok(untyped.json.data.every((i: { type: string }) => i.type !== 'course_group'))
    const nobody = await s.request('/api/v1/items', { user: 4 })
    assert.deepEqual([nobody.status, nobody.json.message], [403, 'You may not read any item type.'])
    const parent = await s.request('/api/v1/items', { method: 'POST', user: USER, body: { type: 'generic', parent: group.id } })
    assert.deepEqual(parent.json.errors, { parent: ['The selected parent is invalid.'] })
    const course = await s.request('/api/v1/items?type=course', { user: USER })
    assert.equal(course.json.message, 'Missing capability: moodle/course:viewhiddencourses')
  })

  it('requires If-Match when configured, and honours * and weak tags', async () => {
    const strict = await startItemsService('pgsql', { items_require_if_match: true })
    try {
      const id = (await strict.request('/api/v1/items', { method: 'POST', body: { type: 'generic' } })).json.data.id
      const res = await strict.request(`/api/v1/items/${id}`, { method: 'PATCH', body: { sortorder: 1 } })
      assert.deepEqual([res.status, res.json.reason], [428, 'precondition_required'])
      assert.equal((await strict.request(`/api/v1/items/${id}`, { method: 'PATCH', headers: { 'if-match': `W/"${id}-1"` }, body: { sortorder: 1 } })).status, 412)
      assert.equal((await strict.request(`/api/v1/items/${id}`, { method: 'PATCH', headers: { 'if-match': '"x", *' }, body: { sortorder: 1 } })).status, 200)
      assert.equal((await strict.request(`/api/v1/items/${id}`, { method: 'DELETE' })).status, 428)
      assert.equal((await strict.request(`/api/v1/items/${id}`, { method: 'DELETE', headers: { 'if-match': `"${id}-2"` } })).status, 200)
    } finally {
      await strict.close()
    }
  })

  it('lets exactly one of two concurrent conditional updates win', async () => {
    const id = (await s.request('/api/v1/items', { method: 'POST', body: { type: 'generic' } })).json.data.id
    const results = await Promise.all(
      [1, 2].map((n) => s.request(`/api/v1/items/${id}`, { method: 'PATCH', headers: { 'if-match': `"${id}-1"` }, body: { sortorder: n } })),
    )
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 412])
  })

  it('answers 503 maintenance during CLI maintenance, before authentication', async () => {
    writeFileSync(join(dataroot, 'climaintenance.html'), 'upgrading')
    try {
      const res = await s.request('/api/v1/items', { user: null })
      assert.deepEqual([res.status, res.json.reason, res.headers['retry-after']], [503, 'maintenance', '60'])
    } finally {
      rmSync(join(dataroot, 'climaintenance.html'))
    }
    assert.equal((await s.request('/api/v1/items')).status, 200)
  })
})

describe('items CORS and rate limits', () => {
  let s: ItemsService
  before(async () => {
    s = await startItemsService('pgsql', {
      items_cors_enabled: true, items_cors_origins: ['https://app.example.org'], items_cors_credentials: true,
      items_rate_limit_enabled: true, items_rate_limit_per_ip: { max: 6, window_s: 60 }, items_rate_limit_per_user: { max: 3, window_s: 60 },
    })
  })
  after(async () => s?.close())

  it('sends CORS headers to allowed origins only, and answers preflights', async () => {
    const origin = 'https://app.example.org'
    const pre = await s.request('/api/v1/items/7', { method: 'OPTIONS', user: null, headers: { origin, 'access-control-request-method': 'PATCH' }, remoteAddress: '10.0.0.1' })
    assert.equal(pre.status, 204)
    assert.equal(pre.headers['access-control-allow-origin'], origin)
    assert.equal(pre.headers['access-control-allow-methods'], 'GET, HEAD, PUT, PATCH, DELETE, OPTIONS')
    assert.equal(pre.headers['access-control-allow-headers'], 'Authorization, Content-Type, If-Match, If-None-Match, Prefer, X-Request-Id, X-Sesskey')
    assert.equal(pre.headers['access-control-max-age'], '600')
    assert.equal(pre.headers['access-control-allow-credentials'], 'true')
    assert.equal(pre.headers.vary, 'Origin')
    const other = await s.request('/api/v1/items/7', { method: 'OPTIONS', user: null, headers: { origin: 'https://evil.example', 'access-control-request-method': 'PATCH' }, remoteAddress: '10.0.0.1' })
    assert.equal(other.status, 204)
    assert.equal(other.headers['access-control-allow-origin'], undefined)
  })

  it('counts per address before and per user after authentication, with headers and Retry-After', async () => {
    const ip = '10.0.0.2'
    const first = await s.request('/api/v1/items', { remoteAddress: ip })
    assert.equal(first.headers['x-ratelimit-limit'], '3')
    assert.equal(first.headers['x-ratelimit-remaining'], '2')
    await s.request('/api/v1/items', { remoteAddress: ip })
    await s.request('/api/v1/items', { remoteAddress: ip })
    const limited = await s.request('/api/v1/items', { remoteAddress: '10.0.0.3' })
    assert.equal(limited.status, 429)
    assert.equal(limited.json.message, 'Too Many Attempts.')
    assert.ok(Number(limited.headers['retry-after']) > 0)
    const anon = await s.request('/api/v1/items', { user: null, remoteAddress: '10.0.0.4' })
    assert.equal(anon.headers['x-ratelimit-limit'], '6')
    for (let i = 0; i < 5; i++) await s.request('/api/v1/items', { user: null, remoteAddress: '10.0.0.4' })
    const ipLimited = await s.request('/api/v1/items', { user: null, remoteAddress: '10.0.0.4' })
    assert.deepEqual([ipLimited.status, ipLimited.json.reason], [429, 'too_many_requests'])
  })
})
