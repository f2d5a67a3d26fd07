/**
 * The request pipeline of the MooPanel API (moopanel-api.md §3): routing and normalisation (§3.1),
 * methods and `Allow` (§3.2), the order of checks (§3.3), authentication, lock-out, expiry and
 * the IP allow-list (§3.4), bodies (§3.5), response headers and request ids (§3.7, §7.2), and every
 * pipeline error of §3.8 with its exact body and headers.
 */
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import {
  assertCommonHeaders, assertError, assertOk, call, closeService, injectRaw, listen, rawHttp, ROUTE, UUID_V4, type ApiResponse,
} from './support/moopanel-http.ts'
import { startFixtureService, TEST_KEY, type FixtureService } from './support/start-fixture-service.ts'

/** §3.2: endpoint → `Allow` header value. */
const ALLOW: Record<string, string> = {
  test_connection: 'GET',
  dashboard: 'GET',
  api_key_status: 'GET, POST',
  users: 'GET, POST',
  user: 'GET, POST',
  plugins: 'GET, POST',
  plugin: 'GET, POST',
  moodle_core: 'GET, POST',
  admin_presets: 'GET',
  tasks: 'GET',
  courses: 'GET',
  backups: 'GET, POST, PUT, DELETE',
}
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']

/** The path used to reach an endpoint (tasks needs its `check` sub-path to get past step 9). */
const pathOf = (endpoint: string) => (endpoint === 'tasks' ? '/tasks/check' : `/${endpoint}`)

function assertMethodNotAllowed(res: ApiResponse, allow: string, method: string, what: string): void {
  assert.equal(res.status, 405, `${what}: status, body ${res.body}`)
  assert.equal(res.headers['allow'], allow, `${what}: Allow`)
  assert.equal(res.headers['access-control-allow-origin'], undefined, `${what}: no CORS`)
  if (method === 'HEAD') {
    assert.equal(res.body, '', `${what}: HEAD has no body`)
    assert.equal(res.headers['cache-control'], 'no-store', `${what}: cache-control`)
    assert.equal(res.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`)
    assert.ok(typeof res.headers['x-request-id'] === 'string', `${what}: x-request-id`)
  } else {
    assertError(res, 405, 'Method not allowed.', what)
  }
}

describe('routing, endpoints, methods and response headers', () => {
  let s: FixtureService
  before(async () => {
    s = await startFixtureService('pgsql')
  })
  after(async () => {
    await closeService(s)
  })

  it('answers 404 "Not found." for paths outside the route, without authentication', async () => {
    const outside = [
      '/',
      '/outside/the/route',
      '/local/moopanel',
      '/local/moopanel/',
      '/local/moopanel/index.php',
      '/local/moopanel/server.phpx/users',
      '/local/moopanel/server.ph',
      '/moopanel/server.php/users',
      '/Local/moopanel/server.php',
      '/local/MooPanel/server.php/users',
      '/local/moopanel/Server.php',
      '/local/moopanel-server.php',
      '/local%2Fmoopanel%2Fserver.php/users',
      '/local/moopanel%2Fserver.php/users',
      '/local/x/moopanel/server.php',
      '/server.php/local/moopanel',
      '/favicon.ico',
      '/local/moopanel/server.php.bak',
    ]
    for (const url of outside) {
      for (const key of [null, TEST_KEY, 'wrong-key']) {
        assertError(await injectRaw(s, url, { key }), 404, 'Not found.', `${url} key=${key}`)
      }
      assertError(await injectRaw(s, url, { method: 'POST', key: null, payload: '{"data":' }), 404, 'Not found.', `POST ${url}`)
      assertError(await injectRaw(s, url, { method: 'DELETE', key: null }), 404, 'Not found.', `DELETE ${url}`)
    }
    assertError(await injectRaw(s, '/outside?x=/local/moopanel/server.php', { key: null }), 404, 'Not found.', 'route only in the query')
  })

  it('finds the route after any prefix, collapses runs of slashes and ignores a trailing slash', async () => {
    const count = async (url: string) => {
      const body = assertOk(await injectRaw(s, url), 200, url)
      assert.deepEqual(body, { number_of_users: 3001 }, url)
    }
    await count(`${ROUTE}/users/count`)
    await count(`/moodle${ROUTE}/users/count`)
    await count(`/a/b/c/d${ROUTE}/users/count?x=1`)
    await count(`/local/moopanel/local/moopanel/server.php/users/count`)
    await count(`/server.php${ROUTE}/users/count`)
    await count(`//local//moopanel//server.php//users//count`)
    await count(`/x//local///moopanel/server.php///users/count///`)
    await count(`${ROUTE}/users/count/`)
    await count(`${ROUTE}/users/count/?search=`)
    const root = assertOk(await injectRaw(s, `${ROUTE}/`))
    assert.deepEqual(Object.keys(root).sort(), ['logo', 'moodle_version', 'site_fullname', 'theme', 'url'])
    assert.deepEqual(assertOk(await injectRaw(s, `${ROUTE}//`)), root)
    assert.deepEqual(assertOk(await injectRaw(s, `/prefix${ROUTE}?a=b`)), root)
    assert.deepEqual(assertOk(await injectRaw(s, `${ROUTE}/test_connection/`)), root)
    const online = assertOk(await injectRaw(s, `${ROUTE}/users/online/`))
    assert.deepEqual(Object.keys(online).sort(), ['all_users', 'online'])
  })

  it('routes at the first run of local/moopanel/server.php', async () => {
    // The first run wins: the second "local" becomes the endpoint name.
    assertError(await injectRaw(s, `${ROUTE}${ROUTE}/users/count`), 404, "Endpoint 'local' not found.")
  })

  it('percent-decodes each segment before matching', async () => {
    const count = async (url: string) => assert.deepEqual(assertOk(await injectRaw(s, url), 200, url), { number_of_users: 3001 }, url)
    await count('/local/moopanel/server%2Ephp/users/count')
    await count('/%6Cocal/%6d%6f%6f%70%61%6e%65%6c/server.php/%75sers/%63ount')
    await count('/local/moopanel/server.php/users/%63%6F%75%6E%74')
    // A decoded segment containing "/" never matches a name.
    assertError(await call(s, '/users%2Fcount'), 404, "Endpoint 'users/count' not found.")
    assertError(await call(s, '/tasks%2Fcheck?id=1&type=core_update'), 404, "Endpoint 'tasks/check' not found.")
    // users%2Fonline is one segment after "users": not the `online` operation, so it lists users.
    const listed = assertOk(await call(s, '/users/on%2Fline?fields=id&perpage=1'))
    assert.deepEqual(Object.keys(listed), ['number_of_users', 'users', 'page', 'perpage', 'total_users'])
  })

  it('answers 400 "Bad request." for a path segment that is not valid percent-encoding, with the usual headers', async () => {
    for (const path of ['/users/%zz', '/%E0%A4%A', '/users/%', '/%C0%AF']) {
      const res = await call(s, path)
      assert.equal(res.status, 400, path)
      assert.deepEqual(res.json, { error: 'Bad request.' }, path)
      const missing = ['content-type', 'cache-control', 'x-content-type-options', 'x-request-id'].filter((h) => res.headers[h] === undefined)
      assert.deepEqual(missing, [], `${path}: headers missing`)
      assertCommonHeaders(res, path)
    }
  })

  it('matches endpoint names exactly and case-sensitively, with the exact 404 text', async () => {
    assertError(await call(s, '/no_such_endpoint'), 404, "Endpoint 'no_such_endpoint' not found.")
    assertError(await call(s, '/Users'), 404, "Endpoint 'Users' not found.")
    assertError(await call(s, '/DASHBOARD'), 404, "Endpoint 'DASHBOARD' not found.")
    assertError(await call(s, '/users.php'), 404, "Endpoint 'users.php' not found.")
    assertError(await call(s, '/test-connection'), 404, "Endpoint 'test-connection' not found.")
    assertError(await call(s, '/%20users'), 404, "Endpoint ' users' not found.")
    assertError(await call(s, '/no_such/sub/path'), 404, "Endpoint 'no_such' not found.")
    assertError(await call(s, '/no_such', { method: 'DELETE' }), 404, "Endpoint 'no_such' not found.")
    assertError(await call(s, '/no_such', { method: 'POST', payload: '{"data":' }), 404, "Endpoint 'no_such' not found.")
  })

  it('treats names of Object.prototype members as unknown endpoints', async () => {
    const problems: string[] = []
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__', 'propertyIsEnumerable', 'toLocaleString']) {
      for (const method of ['GET', 'POST']) {
        const res = await call(s, `/${name}`, { method })
        if (res.status !== 404 || res.json?.error !== `Endpoint '${name}' not found.`) problems.push(`${method} /${name}: ${res.status} ${res.body}`)
      }
    }
    assert.deepEqual(problems, [])
  })

  it('JSON-escapes the endpoint name and cuts it to 100 characters', async () => {
    const quoted = await call(s, `/${encodeURIComponent('a"b\\c<d>\u00e9\n\t')}`)
    assertError(quoted, 404, "Endpoint 'a\"b\\c<d>\u00e9\n\t' not found.")
    const long = 'x'.repeat(150)
    assertError(await call(s, `/${long}`), 404, `Endpoint '${'x'.repeat(100)}' not found.`)
    const exactly = 'y'.repeat(100)
    assertError(await call(s, `/${exactly}`), 404, `Endpoint '${exactly}' not found.`)
    // Characters are code points: 150 emoji are cut to 100 emoji, never to half a surrogate pair.
    const emoji = '\u{1F600}'.repeat(150)
    assertError(await call(s, `/${encodeURIComponent(emoji)}`), 404, `Endpoint '${'\u{1F600}'.repeat(100)}' not found.`)
    // Output is raw UTF-8: non-ASCII is not escaped.
    const res = await call(s, `/${encodeURIComponent('caf\u00e9')}`)
    assert.ok(res.body.includes('caf\u00e9'), res.body)
  })

  it('knows only the tasks sub-path check', async () => {
    assertError(await call(s, '/tasks'), 404, "Endpoint 'tasks' not found.")
    assertError(await call(s, '/tasks/'), 404, "Endpoint 'tasks' not found.")
    assertError(await call(s, '/tasks/list'), 404, "Endpoint 'tasks/list' not found.")
    assertError(await call(s, '/tasks/Check?id=1&type=core_update'), 404, "Endpoint 'tasks/Check' not found.")
    assertError(await call(s, '/tasks/check/extra?id=1&type=core_update'), 404, "Endpoint 'tasks/check/extra' not found.")
    assertError(await call(s, '/tasks/a/b'), 404, "Endpoint 'tasks/a/b' not found.")
    // Step 9 (endpoint) before step 10 (method).
    assertError(await call(s, '/tasks', { method: 'POST' }), 404, "Endpoint 'tasks' not found.")
    assertError(await call(s, '/tasks/list', { method: 'DELETE' }), 404, "Endpoint 'tasks/list' not found.")
    assertError(await call(s, '/tasks/check'), 400, 'No task id specified.')
    assertError(await call(s, '/tasks/check/'), 400, 'No task id specified.')
  })

  it('answers 405 with the exact Allow header of §3.2 for every endpoint and method', async () => {
    for (const [endpoint, allow] of Object.entries(ALLOW)) {
      const allowed = allow.split(', ')
      for (const method of METHODS) {
        if (allowed.includes(method)) continue
        const res = await call(s, pathOf(endpoint), { method })
        assertMethodNotAllowed(res, allow, method, `${method} /${endpoint}`)
      }
    }
    // The empty endpoint is test_connection.
    assertMethodNotAllowed(await call(s, '', { method: 'POST' }), 'GET', 'POST', 'POST /')
    assertMethodNotAllowed(await call(s, '/', { method: 'DELETE' }), 'GET', 'DELETE', 'DELETE /')
    assertMethodNotAllowed(await call(s, '', { method: 'HEAD' }), 'GET', 'HEAD', 'HEAD /')
    // Sub-paths do not change the allowed methods.
    assertMethodNotAllowed(await call(s, '/users/count', { method: 'DELETE' }), 'GET, POST', 'DELETE', 'DELETE /users/count')
    assertMethodNotAllowed(await call(s, '/users/online', { method: 'PUT' }), 'GET, POST', 'PUT', 'PUT /users/online')
    assertMethodNotAllowed(await call(s, '/plugins/updates', { method: 'PUT' }), 'GET, POST', 'PUT', 'PUT /plugins/updates')
    assertMethodNotAllowed(await call(s, '/plugin/uninstall?plugin=mod_forum', { method: 'DELETE' }), 'GET, POST', 'DELETE', 'DELETE /plugin/uninstall')
    assertMethodNotAllowed(await call(s, '/dashboard/x', { method: 'POST' }), 'GET', 'POST', 'POST /dashboard/x')
  })

  it('answers HEAD and OPTIONS with 405 on every endpoint, HEAD without a body, no CORS', async () => {
    for (const [endpoint, allow] of Object.entries(ALLOW)) {
      for (const method of ['HEAD', 'OPTIONS']) {
        const res = await call(s, pathOf(endpoint), {
          method,
          headers: method === 'OPTIONS' ? { origin: 'https://moopanel.example', 'access-control-request-method': 'GET' } : {},
        })
        assertMethodNotAllowed(res, allow, method, `${method} /${endpoint}`)
        assert.equal(res.headers['access-control-allow-methods'], undefined)
      }
    }
  })

  it('checks the method before reading the body (step 10 before 11)', async () => {
    const bad = { payload: '{"data":', headers: { 'content-type': 'application/json' } }
    assertMethodNotAllowed(await call(s, '/users', { method: 'PUT', ...bad }), 'GET, POST', 'PUT', 'PUT /users')
    assertMethodNotAllowed(await call(s, '/backups', { method: 'PATCH', ...bad }), 'GET, POST, PUT, DELETE', 'PATCH', 'PATCH /backups')
    const big = { payload: 'x'.repeat(2 * 1024 * 1024), headers: { 'content-type': 'text/plain' } }
    assertMethodNotAllowed(await call(s, '/dashboard', { method: 'POST', ...big }), 'GET', 'POST', 'POST /dashboard')
  })

  it('ignores sub-paths of endpoints that have none', async () => {
    const root = assertOk(await call(s, ''))
    assert.deepEqual(assertOk(await call(s, '/test_connection/anything/else')), root)
    const dashboard = assertOk(await call(s, '/dashboard'))
    assert.deepEqual(assertOk(await call(s, '/dashboard/x/y')), dashboard)
    assert.deepEqual(assertOk(await call(s, '/courses/whatever')), assertOk(await call(s, '/courses')))
    assert.deepEqual(assertOk(await call(s, '/backups/x')), { backups_in_progress: [] })
    assert.deepEqual(assertOk(await call(s, '/api_key_status/x')), { key_expiration_date: 'permanent' })
    const core = assertOk(await call(s, '/moodle_core'))
    assert.deepEqual(assertOk(await call(s, '/moodle_core/update')), core)
  })

  it('answers the not-implemented and undefined-method texts exactly', async () => {
    for (const path of ['/users', '/users/', '/users/online', '/users/count', '/users/anything/else']) {
      assertError(await call(s, path, { method: 'POST' }), 501, 'Not Implemented yet.', `POST ${path}`)
    }
    assertError(await call(s, '/users', { method: 'POST', payload: '{"data":{}}', headers: { 'content-type': 'application/json' } }), 501, 'Not Implemented yet.')
    assertError(await call(s, '/user', { method: 'POST' }), 501, 'Not implemented yet.')
    assertError(await call(s, '/user?id=2', { method: 'POST', payload: '{"data":{"id":2}}' }), 501, 'Not implemented yet.')
    for (const path of ['/plugins/refresh', '/plugins', '/plugins/', '/plugins/Updates', '/plugins/updates/x', '/plugins/installZip']) {
      assertError(await call(s, path, { method: 'POST' }), 400, 'Bad request - undefined method.', `POST ${path}`)
    }
    assertError(await call(s, '/plugin/disable?plugin=mod_forum', { method: 'POST' }), 501, 'Not implemented yet.')
  })

  it('reads the body before endpoint validation (step 11 before 12)', async () => {
    const bad = { method: 'POST', payload: '{"data":', headers: { 'content-type': 'application/json' } }
    assertError(await call(s, '/users', bad), 400, 'Invalid JSON body.')
    assertError(await call(s, '/user', bad), 400, 'Invalid JSON body.')
    assertError(await call(s, '/plugins/refresh', bad), 400, 'Invalid JSON body.')
    assertError(await call(s, '/plugin', bad), 400, 'Invalid JSON body.')
    assertError(await call(s, '/api_key_status', bad), 400, 'Invalid JSON body.')
    assertError(await call(s, '/users', { method: 'POST', payload: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'Unsupported content type.')
  })

  it('sends the security headers and X-Request-Id on every kind of response, never a cookie', async () => {
    const responses: Array<[string, ApiResponse]> = [
      ['200', await call(s, '/users/count')],
      ['200 streamed list', await call(s, '/users?fields=id')],
      ['404 outside', await injectRaw(s, '/outside', { key: null })],
      ['401 required', await call(s, '/dashboard', { key: null })],
      ['401 failed', await call(s, '/dashboard', { key: 'nope' })],
      ['404 endpoint', await call(s, '/nope')],
      ['405', await call(s, '/courses', { method: 'PUT' })],
      ['400 endpoint', await call(s, '/user')],
      ['400 body', await call(s, '/api_key_status', { method: 'POST', payload: '{' })],
      ['415', await call(s, '/api_key_status', { method: 'POST', payload: 'x', headers: { 'content-type': 'text/plain' } })],
      ['501', await call(s, '/users', { method: 'POST' })],
    ]
    for (const [what, res] of responses) {
      assertCommonHeaders(res, what)
      assert.ok(res.json !== null && typeof res.json === 'object' && !Array.isArray(res.json), `${what}: JSON object body`)
      assert.match(String(res.headers['x-request-id']), UUID_V4, `${what}: generated request id is a UUID v4`)
    }
    const ids = new Set(responses.map(([, r]) => r.headers['x-request-id']))
    assert.equal(ids.size, responses.length, 'request ids are unique')
  })

  it('adopts a valid incoming X-Request-Id and replaces an invalid one by a UUID', async () => {
    const valid = ['abc', 'req-123_X.y:z', 'A'.repeat(128), '3f0c9a8e-5b1d-4e7a-9c2f-6d8b1a7e4c20', '0', '...', '::']
    for (const id of valid) {
      for (const res of [
        await call(s, '/users/count', { headers: { 'x-request-id': id } }),
        await call(s, '/dashboard', { headers: { 'x-request-id': id }, key: null }),
        await injectRaw(s, '/elsewhere', { headers: { 'x-request-id': id }, key: null }),
      ]) {
        assert.equal(res.headers['x-request-id'], id)
      }
    }
    const invalid = ['', ' ', 'has space', 'A'.repeat(129), 'semi;colon', 'slash/', 'caf\u00e9', 'a,b', '<script>', 'x\ty']
    for (const id of invalid) {
      const res = await call(s, '/users/count', { headers: { 'x-request-id': id } })
      assert.equal(res.status, 200)
      assert.match(String(res.headers['x-request-id']), UUID_V4, `invalid ${JSON.stringify(id)} replaced`)
    }
    // Repeated header: not one valid value, so a fresh id.
    const repeated = await call(s, '/users/count', { headers: { 'x-request-id': ['abc', 'def'] } })
    assert.match(String(repeated.headers['x-request-id']), UUID_V4)
  })

  it('never redirects, never answers HTML', async () => {
    for (const url of [`${ROUTE}`, `${ROUTE}/`, `${ROUTE}//users//count/`, '/local/moopanel/', '/local/moopanel/server.php/../x']) {
      const res = await injectRaw(s, url)
      assert.ok(res.status < 300 || res.status >= 400, `${url}: ${res.status}`)
      assert.equal(res.headers['location'], undefined)
      assertCommonHeaders(res, url)
    }
  })
})

describe('request paths over a real socket', () => {
  let s: FixtureService
  let port: number
  before(async () => {
    s = await startFixtureService('pgsql', { auth_lockout_threshold: 1000 })
    port = await listen(s)
  })
  after(async () => {
    await closeService(s)
  })

  const get = (path: string, extra = '') =>
    rawHttp(port, `GET ${path} HTTP/1.1\r\nHost: moodle.test\r\nX-API-KEY: ${TEST_KEY}\r\nConnection: close${extra}`)

  it('collapses double slashes at the start of the path (MooPanel instance URLs ending in /)', async () => {
    const res = await get('//local//moopanel/server.php//users/count')
    assert.equal(res.status, 200, res.body)
    assert.deepEqual(res.json, { number_of_users: 3001 })
    const root = await get('//local/moopanel/server.php/')
    assert.equal(root.status, 200, root.body)
    assert.equal(typeof root.json.site_fullname, 'string')
  })

  it('does not resolve dot segments into the route', async () => {
    const res = await rawHttp(port, `GET /local/moopanel/x/../server.php/users/count HTTP/1.1\r\nHost: moodle.test\r\nX-API-KEY: ${TEST_KEY}\r\nConnection: close`)
    assert.deepEqual(res.json, { error: 'Not found.' })
    assert.equal(res.status, 404)
  })

  it('answers with the security headers over HTTP, no cookie, JSON content type', async () => {
    const res = await get(`${ROUTE}/users/count`)
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    assert.equal(res.headers['cache-control'], 'no-store')
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
    assert.match(String(res.headers['x-request-id']), UUID_V4)
    assert.equal(res.headers['set-cookie'], undefined)
  })

  it('answers a malformed request with 400 "Bad request." and the usual headers', async () => {
    for (const head of [
      `GET ${ROUTE}/users/count HTTP/1.1\r\nHost: moodle.test\r\nX-API-KEY: ${TEST_KEY}\r\nBad Header Line\r\nConnection: close`,
      `POST ${ROUTE}/api_key_status HTTP/1.1\r\nHost: moodle.test\r\nX-API-KEY: ${TEST_KEY}\r\nContent-Length: abc\r\nConnection: close`,
    ]) {
      const res = await rawHttp(port, head)
      const what = head.split('\r\n')[3]!
      assert.equal(res.status, 400, what)
      assert.deepEqual(res.json, { error: 'Bad request.' }, what)
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8', what)
      assert.equal(res.headers['cache-control'], 'no-store', what)
      assert.equal(res.headers['x-content-type-options'], 'nosniff', what)
      assert.ok(typeof res.headers['x-request-id'] === 'string', `${what}: X-Request-Id on every response (§3.7)`)
    }
  })

  it('answers HEAD with 405, Allow and no body over HTTP', async () => {
    const res = await rawHttp(port, `HEAD ${ROUTE}/dashboard HTTP/1.1\r\nHost: moodle.test\r\nX-API-KEY: ${TEST_KEY}\r\nConnection: close`)
    assert.equal(res.status, 405)
    assert.equal(res.headers['allow'], 'GET')
    assert.equal(res.body, '')
  })
})

describe('API switched off (api_enabled: false)', () => {
  let s: FixtureService
  before(async () => {
    s = await startFixtureService('pgsql', { api_enabled: false })
  })
  after(async () => {
    await closeService(s)
  })

  it('answers 423 to every API request before authentication', async () => {
    const cases: Array<[string, Parameters<typeof call>[2]]> = [
      ['', {}],
      ['/test_connection', { key: null }],
      ['/users/count', { key: 'wrong' }],
      ['/users/count', { key: '' }],
      ['/users/count', {}],
      ['/api_key_status', {}],
      ['/no_such_endpoint', { key: null }],
      ['/tasks/list', {}],
      ['/users/count', { method: 'DELETE' }],
      ['/dashboard', { method: 'OPTIONS' }],
      ['/backups', { method: 'POST', payload: '{"data":', headers: { 'content-type': 'application/json' } }],
      ['/backups', { method: 'POST', payload: 'x', headers: { 'content-type': 'text/plain' } }],
      ['/api_key_status', { method: 'POST', payload: '{"data":{"key_expiration_date":1}}' }],
      ['/users', { method: 'POST' }],
    ]
    for (const [path, init] of cases) assertError(await call(s, path, init), 423, 'API is disabled.', `${init?.method ?? 'GET'} ${path}`)
    for (const key of [null, 'wrong']) {
      for (let i = 0; i < 15; i++) assertError(await call(s, '/dashboard', { key, remoteAddress: '198.51.100.9' }), 423, 'API is disabled.')
    }
  })

  it('still answers 404 "Not found." outside the route (step 2 before 3)', async () => {
    assertError(await injectRaw(s, '/outside/the/route', { key: null }), 404, 'Not found.')
    assertError(await injectRaw(s, '/local/moopanel/other.php'), 404, 'Not found.')
  })
})

describe('authentication and lock-out', () => {
  let s: FixtureService
  before(async () => {
    s = await startFixtureService('pgsql', { auth_lockout_threshold: 3 })
  })
  after(async () => {
    await closeService(s)
  })

  it('answers 401 "Authorization key required." for a missing, empty or blank key', async () => {
    const a = { remoteAddress: '192.0.2.10' }
    assertError(await call(s, '', { ...a, key: null }), 401, 'Authorization key required.')
    assertError(await call(s, '/test_connection', { ...a, key: '' }), 401, 'Authorization key required.')
    assertError(await call(s, '/users/count', { ...a, key: '   ' }), 401, 'Authorization key required.')
    assertError(await call(s, '/users/count', { ...a, key: '\t \t' }), 401, 'Authorization key required.')
    // Missing keys are not wrong-key failures: no lock-out however many.
    for (let i = 0; i < 10; i++) assertError(await call(s, '/users/count', { ...a, key: null }), 401, 'Authorization key required.')
    assert.equal((await call(s, '/users/count', a)).status, 200)
  })

  it('answers 401 "Authorization failed." for a wrong key, with exact byte comparison', async () => {
    const wrong = [
      'wrong',
      TEST_KEY.toUpperCase(),
      TEST_KEY.slice(0, -1),
      `${TEST_KEY}x`,
      `x${TEST_KEY}`,
      'fixture-moopanel-key',
      `${TEST_KEY},${TEST_KEY}`,
      `${TEST_KEY} ${TEST_KEY}`,
      Buffer.from(TEST_KEY).toString('base64'),
    ]
    for (const key of wrong) {
      const addr = `192.0.2.${100 + wrong.indexOf(key)}`
      assertError(await call(s, '/users/count', { key, remoteAddress: addr }), 401, 'Authorization failed.', JSON.stringify(key))
    }
    // HTTP's own whitespace trimming is allowed; the header name is case-insensitive.
    assert.equal((await call(s, '/users/count', { key: ` ${TEST_KEY} `, remoteAddress: '192.0.2.11' })).status, 200)
    assert.equal((await call(s, '/users/count', { key: null, headers: { 'X-Api-Key': TEST_KEY }, remoteAddress: '192.0.2.11' })).status, 200)
  })

  it('fails a repeated X-API-KEY header even when every copy is right', async () => {
    const twice = await call(s, '/users/count', { key: null, headers: { 'x-api-key': [TEST_KEY, TEST_KEY] }, remoteAddress: '192.0.2.20' })
    assertError(twice, 401, 'Authorization failed.')
    const withEmpty = await call(s, '/users/count', { key: null, headers: { 'x-api-key': [TEST_KEY, ''] }, remoteAddress: '192.0.2.21' })
    assertError(withEmpty, 401, 'Authorization failed.')
    const wrongFirst = await call(s, '/users/count', { key: null, headers: { 'x-api-key': ['wrong', TEST_KEY] }, remoteAddress: '192.0.2.22' })
    assertError(wrongFirst, 401, 'Authorization failed.')
  })

  it('locks an address out after the threshold of wrong keys; the failure reaching it is still 401', async () => {
    const a = { remoteAddress: '192.0.2.30' }
    assertError(await call(s, '/users/count', { ...a, key: 'bad1' }), 401, 'Authorization failed.')
    assertError(await call(s, '/users/count', { ...a, key: 'bad2' }), 401, 'Authorization failed.')
    assertError(await call(s, '/users/count', { ...a, key: 'bad3' }), 401, 'Authorization failed.', 'third failure reaches the threshold')
    for (const init of [{ ...a }, { ...a, key: null }, { ...a, key: 'bad4' }]) {
      const res = await call(s, '/users/count', init)
      assertError(res, 429, 'Too many failed authorization attempts.')
      const retry = String(res.headers['retry-after'])
      assert.match(retry, /^\d+$/)
      // Whole seconds until unlock: the default lock-out lasts 900 s and has only just begun.
      assert.ok(Number(retry) >= 890 && Number(retry) <= 900, `Retry-After ${retry}`)
    }
    // Locked before the endpoint, the method and the body are looked at.
    assertError(await call(s, '/no_such', a), 429, 'Too many failed authorization attempts.')
    assertError(await call(s, '/users/count', { ...a, method: 'DELETE' }), 429, 'Too many failed authorization attempts.')
    assertError(await call(s, '/backups', { ...a, method: 'POST', payload: '{"data":' }), 429, 'Too many failed authorization attempts.')
    // Paths outside the route are not API requests.
    assertError(await injectRaw(s, '/outside', a), 404, 'Not found.')
    // Another address is unaffected.
    assert.deepEqual(assertOk(await call(s, '/users/count', { remoteAddress: '192.0.2.31' })), { number_of_users: 3001 })
    // The same address written as IPv4-mapped IPv6 is the same address.
    assertError(await call(s, '/users/count', { remoteAddress: '::ffff:192.0.2.30' }), 429, 'Too many failed authorization attempts.')
  })

  it('compares IPv4-mapped IPv6 sources as IPv4 when counting failures', async () => {
    assertError(await call(s, '/users/count', { key: 'bad', remoteAddress: '::ffff:192.0.2.40' }), 401, 'Authorization failed.')
    assertError(await call(s, '/users/count', { key: 'bad', remoteAddress: '192.0.2.40' }), 401, 'Authorization failed.')
    assertError(await call(s, '/users/count', { key: 'bad', remoteAddress: '::ffff:c000:228' }), 401, 'Authorization failed.')
    assertError(await call(s, '/users/count', { remoteAddress: '192.0.2.40' }), 429, 'Too many failed authorization attempts.')
  })

  it('resets the failure count on a successful authentication', async () => {
    const a = { remoteAddress: '192.0.2.50' }
    for (let round = 0; round < 3; round++) {
      assertError(await call(s, '/users/count', { ...a, key: 'bad' }), 401, 'Authorization failed.')
      assertError(await call(s, '/users/count', { ...a, key: 'bad' }), 401, 'Authorization failed.')
      assert.equal((await call(s, '/users/count', a)).status, 200, `round ${round}`)
    }
  })

  it('counts repeated-header failures as wrong keys', async () => {
    const a = { remoteAddress: '192.0.2.60', key: null, headers: { 'x-api-key': [TEST_KEY, TEST_KEY] } }
    for (let i = 0; i < 3; i++) assertError(await call(s, '/users/count', a), 401, 'Authorization failed.')
    assertError(await call(s, '/users/count', { remoteAddress: '192.0.2.60' }), 429, 'Too many failed authorization attempts.')
  })
})

describe('lock-out window and duration', () => {
  let s: FixtureService
  before(async () => {
    s = await startFixtureService('pgsql', { auth_lockout_threshold: 2, auth_lockout_window_s: 1, auth_lockout_duration_s: 2 })
  })
  after(async () => {
    await closeService(s)
  })
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  it('counts only failures inside the window, and unlocks after the duration', async () => {
    await Promise.all([
      (async () => {
        const a = { remoteAddress: '198.51.100.1' }
        assertError(await call(s, '/users/count', { ...a, key: 'bad' }), 401, 'Authorization failed.')
        await sleep(1200)
        assertError(await call(s, '/users/count', { ...a, key: 'bad' }), 401, 'Authorization failed.', 'the first failure left the window')
        assert.equal((await call(s, '/users/count', a)).status, 200, 'not locked')
      })(),
      (async () => {
        const b = { remoteAddress: '198.51.100.2' }
        assertError(await call(s, '/users/count', { ...b, key: 'bad' }), 401, 'Authorization failed.')
        assertError(await call(s, '/users/count', { ...b, key: 'bad' }), 401, 'Authorization failed.')
        const locked = await call(s, '/users/count', b)
        assertError(locked, 429, 'Too many failed authorization attempts.')
        assert.ok(['1', '2'].includes(String(locked.headers['retry-after'])), `Retry-After ${String(locked.headers['retry-after'])}`)
        await sleep(2200)
        assert.equal((await call(s, '/users/count', b)).status, 200, 'unlocked after auth_lockout_duration_s')
      })(),
    ])
  })
})

describe('authentication over a real socket', () => {
  let s: FixtureService
  let port: number
  before(async () => {
    s = await startFixtureService('pgsql', { auth_lockout_threshold: 1000 })
    port = await listen(s)
  })
  after(async () => {
    await closeService(s)
  })

  const req = (headers: string) => rawHttp(port, `GET ${ROUTE}/users/count HTTP/1.1\r\nHost: moodle.test\r\nConnection: close${headers}`)

  it('accepts the key with any header-name case and HTTP whitespace around the value', async () => {
    for (const line of [`\r\nX-API-KEY: ${TEST_KEY}`, `\r\nx-api-key:${TEST_KEY}`, `\r\nX-Api-Key: \t${TEST_KEY} \t`]) {
      const res = await req(line)
      assert.equal(res.status, 200, `${JSON.stringify(line)}: ${res.body}`)
    }
  })

  it('fails a key repeated on two header lines', async () => {
    const res = await req(`\r\nX-API-KEY: ${TEST_KEY}\r\nx-api-key: ${TEST_KEY}`)
    assert.equal(res.status, 401)
    assert.deepEqual(res.json, { error: 'Authorization failed.' })
  })

  it('fails a key followed by a byte that is not HTTP whitespace', async () => {
    const head = Buffer.concat([
      Buffer.from(`GET ${ROUTE}/users/count HTTP/1.1\r\nHost: moodle.test\r\nConnection: close\r\nX-API-KEY: ${TEST_KEY}`, 'latin1'),
      Buffer.from([0xa0]),
    ])
    const res = await rawHttp(port, head.toString('latin1'))
    assert.equal(res.status, 401, res.body)
    assert.deepEqual(res.json, { error: 'Authorization failed.' })
  })

  it('answers a blank key as missing', async () => {
    const res = await req('\r\nX-API-KEY:    ')
    assert.equal(res.status, 401)
    assert.deepEqual(res.json, { error: 'Authorization key required.' })
  })
})

describe('key expiry enforcement', () => {
  let s: FixtureService
  before(async () => {
    s = await startFixtureService('pgsql', { auth_lockout_threshold: 2, timezone: 'UTC' })
  })
  after(async () => {
    await closeService(s)
  })

  it('keeps working with a future expiry and refuses every request after a past one', async () => {
    const future = Math.floor(Date.now() / 1000) + 3600
    const set = await call(s, '/api_key_status', { method: 'POST', payload: JSON.stringify({ data: { key_expiration_date: future } }), headers: { 'content-type': 'application/json' } })
    assert.deepEqual(assertOk(set, 201), { status: true, key_expiration_date: future })
    assert.equal((await call(s, '/users/count')).status, 200)

    const past = await call(s, '/api_key_status', { method: 'POST', payload: '{"data":{"key_expiration_date":1000000000}}', headers: { 'content-type': 'application/json' } })
    assert.deepEqual(assertOk(past, 201), { status: true, key_expiration_date: 1000000000 })

    assertError(await call(s, ''), 401, 'API key expired.')
    assertError(await call(s, '/users/count'), 401, 'API key expired.')
    assertError(await call(s, '/api_key_status'), 401, 'API key expired.')
    assertError(await call(s, '/api_key_status', { method: 'POST', payload: '{"data":{"key_expiration_date":null}}' }), 401, 'API key expired.')
    // Step 7 comes before the endpoint, method and body checks.
    assertError(await call(s, '/no_such'), 401, 'API key expired.')
    assertError(await call(s, '/users/count', { method: 'DELETE' }), 401, 'API key expired.')
    assertError(await call(s, '/backups', { method: 'POST', payload: '{"data":' }), 401, 'API key expired.')
    // Missing and wrong keys keep their own answers (steps 5 and 6 come first).
    assertError(await call(s, '/users/count', { key: null }), 401, 'Authorization key required.')
    assertError(await call(s, '/users/count', { key: 'wrong', remoteAddress: '203.0.113.1' }), 401, 'Authorization failed.')
    // Expired keys are not wrong-key failures: no lock-out (threshold 2 here).
    for (let i = 0; i < 5; i++) assertError(await call(s, '/users/count', { remoteAddress: '203.0.113.2' }), 401, 'API key expired.')
    // Outside the route nothing is checked.
    assertError(await injectRaw(s, '/elsewhere'), 404, 'Not found.')
  })
})

describe('IP allow-list', () => {
  let s: FixtureService
  before(async () => {
    s = await startFixtureService('pgsql', { ip_allowlist: ['10.0.0.0/8', '192.0.2.7', '2001:db8::/32'], auth_lockout_threshold: 1000 })
  })
  after(async () => {
    await closeService(s)
  })

  it('admits listed addresses and ranges, IPv4-mapped IPv6 as IPv4', async () => {
    for (const remoteAddress of ['10.1.2.3', '10.255.255.255', '::ffff:10.1.2.3', '::FFFF:10.0.0.1', '192.0.2.7', '::ffff:192.0.2.7', '2001:db8::1', '2001:db8:ffff::5']) {
      assert.deepEqual(assertOk(await call(s, '/users/count', { remoteAddress }), 200, remoteAddress), { number_of_users: 3001 })
    }
  })

  it('answers 403 "IP address not allowed." to every other address', async () => {
    for (const remoteAddress of ['192.0.2.8', '127.0.0.1', '::1', '11.0.0.1', '::ffff:11.0.0.1', '::ffff:127.0.0.1', '2001:db9::1', '9.255.255.255']) {
      assertError(await call(s, '/users/count', { remoteAddress }), 403, 'IP address not allowed.', remoteAddress)
    }
  })

  it('checks the allow-list after authentication and before endpoint, method and body (step 8)', async () => {
    const a = { remoteAddress: '192.0.2.8' }
    assertError(await call(s, '/users/count', { ...a, key: null }), 401, 'Authorization key required.')
    assertError(await call(s, '/users/count', { ...a, key: 'wrong' }), 401, 'Authorization failed.')
    assertError(await call(s, '/no_such', a), 403, 'IP address not allowed.')
    assertError(await call(s, '/tasks', a), 403, 'IP address not allowed.')
    assertError(await call(s, '/users/count', { ...a, method: 'DELETE' }), 403, 'IP address not allowed.')
    assertError(await call(s, '/backups', { ...a, method: 'POST', payload: '{"data":' }), 403, 'IP address not allowed.')
    assertError(await injectRaw(s, '/elsewhere', a), 404, 'Not found.')
  })

  it('ignores X-Forwarded-For when no proxy is trusted', async () => {
    assertError(await call(s, '/users/count', { remoteAddress: '192.0.2.8', headers: { 'x-forwarded-for': '10.1.1.1' } }), 403, 'IP address not allowed.')
    assert.equal((await call(s, '/users/count', { remoteAddress: '10.1.1.1', headers: { 'x-forwarded-for': '192.0.2.8' } })).status, 200)
  })
})

describe('trusted proxies and X-Forwarded-For', () => {
  let s: FixtureService
  before(async () => {
    s = await startFixtureService('pgsql', {
      ip_allowlist: ['10.0.0.0/8'],
      trusted_proxies: ['127.0.0.1', '172.16.0.0/12'],
      auth_lockout_threshold: 3,
    })
  })
  after(async () => {
    await closeService(s)
  })

  const via = (peer: string, xff?: string | string[], key?: string) =>
    call(s, '/users/count', { remoteAddress: peer, ...(key !== undefined && { key }), headers: xff === undefined ? {} : { 'x-forwarded-for': xff } })

  it('takes the right-most untrusted X-Forwarded-For address behind a trusted proxy', async () => {
    assert.equal((await via('127.0.0.1', '10.9.9.9')).status, 200)
    assert.equal((await via('127.0.0.1', '10.9.9.9, 172.16.0.5')).status, 200)
    assert.equal((await via('127.0.0.1', '10.9.9.9,172.20.1.1, 172.16.0.5')).status, 200)
    assert.equal((await via('127.0.0.1', '192.0.2.8, 10.9.9.9')).status, 200, 'a spoofed left-most entry is ignored')
    assert.equal((await via('::ffff:127.0.0.1', '10.9.9.9')).status, 200, 'mapped proxy address')
    assert.equal((await via('127.0.0.1', '::ffff:10.9.9.9')).status, 200, 'mapped client address')
    assert.equal((await via('172.31.255.254', '10.9.9.9')).status, 200, 'proxy in a trusted range')
    assertError(await via('127.0.0.1', '10.9.9.9, 192.0.2.8'), 403, 'IP address not allowed.')
    assertError(await via('127.0.0.1', '192.0.2.8'), 403, 'IP address not allowed.')
    assertError(await via('127.0.0.1'), 403, 'IP address not allowed.', 'no header: the proxy itself is the source')
    assertError(await via('192.0.2.8', '10.9.9.9'), 403, 'IP address not allowed.', 'untrusted peer: header ignored')
    assert.equal((await via('10.1.1.1', '192.0.2.8')).status, 200, 'untrusted allowed peer: header ignored')
  })

  it('locks out the forwarded client, not the proxy', async () => {
    for (let i = 0; i < 3; i++) assertError(await via('127.0.0.1', '10.5.5.5', 'wrong'), 401, 'Authorization failed.')
    assertError(await via('127.0.0.1', '10.5.5.5'), 429, 'Too many failed authorization attempts.')
    assertError(await via('172.16.0.9', '10.5.5.5'), 429, 'Too many failed authorization attempts.', 'through another proxy')
    assert.equal((await via('127.0.0.1', '10.5.5.6')).status, 200, 'another client behind the same proxy')
  })
})

describe('request bodies', () => {
  let s: FixtureService
  let port: number
  before(async () => {
    s = await startFixtureService('pgsql', { max_body_bytes: 100, auth_lockout_threshold: 1000 })
    port = await listen(s)
  })
  after(async () => {
    await closeService(s)
  })

  const PERMANENT = '{"data":{"key_expiration_date":null}}'
  const post = (payload: string | Buffer | Readable | undefined, contentType?: string, init: Parameters<typeof call>[2] = {}) =>
    call(s, '/api_key_status', {
      method: 'POST',
      ...(payload !== undefined && { payload }),
      ...init,
      headers: { ...(contentType !== undefined && { 'content-type': contentType }), ...(init?.headers ?? {}) },
    })
  const accepted = (res: ApiResponse, what: string) => assert.deepEqual(assertOk(res, 201, what), { status: true, key_expiration_date: 'permanent' }, what)
  const emptyPayload = (res: ApiResponse, what: string) => assertError(res, 400, 'Missing API key expiration_date', what)

  it('accepts no Content-Type or application/json with parameters, case-insensitively', async () => {
    for (const type of [undefined, 'application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'Application/JSON', 'APPLICATION/JSON; Charset=utf-8', 'application/json ; charset=utf-8']) {
      accepted(await post(PERMANENT, type), String(type))
    }
  })

  it('answers 415 to another media type with a body, and accepts one without a body', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/json-patch+json', 'application/xml', 'text/json']) {
      assertError(await post(PERMANENT, type), 415, 'Unsupported content type.', type)
    }
    emptyPayload(await post(undefined, 'text/plain'), 'text/plain without body')
    emptyPayload(await post('', 'application/xml'), 'application/xml with empty body')
  })

  it('answers 413 for a body over max_body_bytes, by Content-Length', async () => {
    const over = `{"data":{"key_expiration_date":null}}${' '.repeat(64)}`
    assert.equal(Buffer.byteLength(over), 101)
    assertError(await post(over, 'application/json'), 413, 'Request body too large.')
    const exactly = `{"data":{"key_expiration_date":null}}${' '.repeat(63)}`
    assert.equal(Buffer.byteLength(exactly), 100)
    accepted(await post(exactly, 'application/json'), 'exactly max_body_bytes')
    // Multi-byte characters count in bytes.
    const bytes = `{"data":{"key_expiration_date":null,"x":"${'\u00e9'.repeat(30)}"}}`
    assert.ok(bytes.length <= 100 && Buffer.byteLength(bytes) > 100)
    assertError(await post(bytes, 'application/json'), 413, 'Request body too large.')
    for (const [method, path] of [['PUT', '/backups'], ['DELETE', '/backups'], ['POST', '/users'], ['POST', '/plugins/refresh']] as const) {
      assertError(await call(s, path, { method, payload: 'x'.repeat(500), headers: { 'content-type': 'application/json' } }), 413, 'Request body too large.', `${method} ${path}`)
    }
  })

  it('answers 413 for a streamed (chunked) body that grows over the limit', async () => {
    const stream = Readable.from([Buffer.from('{"data":{"key_expiration_date":null'), Buffer.from(' '.repeat(80)), Buffer.from('}}')])
    assertError(await post(stream, 'application/json'), 413, 'Request body too large.')
    const small = Readable.from([Buffer.from('{"data":'), Buffer.from('{"key_expiration_date":null}}')])
    accepted(await post(small, 'application/json'), 'small streamed body')
  })

  it('answers 413 over HTTP by declared Content-Length, without waiting for the body', async () => {
    const head = `POST ${ROUTE}/api_key_status HTTP/1.1\r\nHost: moodle.test\r\nX-API-KEY: ${TEST_KEY}\r\nContent-Type: application/json\r\nContent-Length: 10000000`
    const res = await rawHttp(port, head)
    assert.equal(res.status, 413)
    assert.deepEqual(res.json, { error: 'Request body too large.' })
  })

  it('answers 413 over HTTP for a chunked body that grows over the limit', async () => {
    const head = `POST ${ROUTE}/api_key_status HTTP/1.1\r\nHost: moodle.test\r\nX-API-KEY: ${TEST_KEY}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked`
    const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`
    const res = await rawHttp(port, head, [chunk('{"data":{"key_expiration_date":null'), chunk(' '.repeat(60)), chunk(' '.repeat(60)), chunk('}}'), '0\r\n\r\n'], { partDelayMs: 5 })
    assert.equal(res.status, 413)
    assert.deepEqual(res.json, { error: 'Request body too large.' })
    const ok = await rawHttp(port, head, [chunk('{"data":'), chunk('{"key_expiration_date":null}}'), '0\r\n\r\n'])
    assert.equal(ok.status, 201, ok.body)
  })

  it('checks the media type before the size (§3.5 step 1 before step 2)', async () => {
    assertError(await post('x'.repeat(500), 'text/plain'), 415, 'Unsupported content type.')
  })

  it('answers 400 "Invalid JSON body." for bodies that are not UTF-8 JSON', async () => {
    const bad: Array<string | Buffer> = [
      '{"data":',
      '{"data":}',
      '{data:{}}',
      "{'data':{}}",
      'nul',
      'undefined',
      '{"data":{}} x',
      '{"data":{"key_expiration_date":NaN}}',
      Buffer.from([0x7b, 0x22, 0x64, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
      Buffer.from([0xfe, 0xff, 0x00, 0x7b, 0x00, 0x7d]),
      '\u0000',
    ]
    for (const body of bad) assertError(await post(body, 'application/json'), 400, 'Invalid JSON body.', JSON.stringify(body.toString()))
  })

  it('gives an empty payload for an empty or blank body', async () => {
    emptyPayload(await post(undefined), 'no body')
    emptyPayload(await post(undefined, 'application/json'), 'no body, json type')
    emptyPayload(await post('', 'application/json'), 'empty')
    emptyPayload(await post('  \r\n\t ', 'application/json'), 'whitespace')
  })

  it('ignores a leading byte-order mark', async () => {
    accepted(await post(`\uFEFF${PERMANENT}`, 'application/json'), 'BOM')
    accepted(await post(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(PERMANENT)]), 'application/json; charset=utf-8'), 'BOM bytes')
  })

  it('takes the payload only from {"data": {...}}, any other shape is an empty payload', async () => {
    for (const body of ['{"key_expiration_date":null}', '{"data":null}', '{"data":[{"key_expiration_date":null}]}', '{"data":"x"}', '{"data":1}', '[{"data":{"key_expiration_date":null}}]', '"x"', '42', 'null', 'true', '{}', '[]']) {
      emptyPayload(await post(body, 'application/json'), body)
    }
    accepted(await post('{"other":1,"data":{"key_expiration_date":null,"unknown":true}}', 'application/json'), 'extra keys ignored')
  })

  it('never parses the body of a GET', async () => {
    assert.deepEqual(assertOk(await call(s, '/api_key_status', { headers: { 'content-type': 'application/json' } })), { key_expiration_date: 'permanent' })
    assert.deepEqual(assertOk(await call(s, '/users/count', { headers: { 'content-type': 'application/json' }, payload: '' })), { number_of_users: 3001 })
    assert.deepEqual(assertOk(await call(s, '/users/count', { headers: { 'content-type': 'application/json' }, payload: '{"data":' })), { number_of_users: 3001 })
    assert.deepEqual(assertOk(await call(s, '/users/count', { headers: { 'content-type': 'text/plain' }, payload: 'hello' })), { number_of_users: 3001 })
    assert.deepEqual(assertOk(await call(s, '/users/count', { headers: { 'content-type': 'application/json' }, payload: 'x'.repeat(1000) })), { number_of_users: 3001 })
  })

  it('answers a malformed Content-Type like any other media type, after authentication', async () => {
    const problems: string[] = []
    const expect = (what: string, res: ApiResponse, status: number, body: unknown) => {
      if (res.status !== status || JSON.stringify(res.json) !== JSON.stringify(body) || res.headers['cache-control'] !== 'no-store') {
        problems.push(`${what}: expected ${status} ${JSON.stringify(body)}, got ${res.status} ${res.body} (cache-control ${String(res.headers['cache-control'])})`)
      }
    }
    for (const type of ['json', 'application', '/', 'application/', '; charset=utf-8', 'a b/c', 'text/plain;;']) {
      expect(`POST with key, ${JSON.stringify(type)}`, await post(PERMANENT, type), 415, { error: 'Unsupported content type.' })
      expect(`POST without key, ${JSON.stringify(type)}`, await post(PERMANENT, type, { key: null }), 401, { error: 'Authorization key required.' })
      expect(`POST outside the route, ${JSON.stringify(type)}`, await injectRaw(s, '/outside', { method: 'POST', payload: PERMANENT, headers: { 'content-type': type } }), 404, { error: 'Not found.' })
      expect(`POST without body, ${JSON.stringify(type)}`, await post(undefined, type), 400, { error: 'Missing API key expiration_date' })
      // GET bodies are never parsed, whatever their type.
      expect(`GET with body, ${JSON.stringify(type)}`, await call(s, '/users/count', { headers: { 'content-type': type }, payload: 'x' }), 200, { number_of_users: 3001 })
    }
    assert.deepEqual(problems, [])
  })

  it('authenticates before reading the body', async () => {
    assertError(await post('{"data":', 'application/json', { key: null }), 401, 'Authorization key required.')
    assertError(await post('x'.repeat(1000), 'text/plain', { key: 'wrong' }), 401, 'Authorization failed.')
    assertError(await call(s, '/no_such', { method: 'POST', payload: 'x'.repeat(1000), headers: { 'content-type': 'text/plain' } }), 404, "Endpoint 'no_such' not found.")
  })
})
