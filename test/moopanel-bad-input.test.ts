/**
 * Property tests (fast-check) over every query parameter and body of the MooPanel API: arbitrary
 * Unicode, huge numbers, raw `%` sequences, SQL-injection-looking strings and repeated keys. The
 * service must never answer ≥ 500, must always answer a JSON object that is either `{"error": "…"}`
 * or the endpoint's normal shape (moopanel-api.md §3.7, §3.8, §4), must never leak credentials,
 * and must leave Moodle's data untouched.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import pg from 'pg'
import { call, closeService, ROUTE, UUID_V4, type ApiResponse, type RawInit } from './support/moopanel-http.ts'
import { startFixtureService, TEST_KEY, type FixtureService } from './support/start-fixture-service.ts'
import { testEnv } from './support/test-env.ts'

const RUNS = 120
const ALL_USERS = 3001

/** Strings that look like attacks or edge cases. */
const NASTY = [
  'id;DROP TABLE mdl_user', 'lastname) --', "' OR 1=1 --", '" OR ""="', '1 OR 1=1', "1'; DELETE FROM mdl_user; --",
  'id DESC; DELETE FROM mdl_user', 'lastname, (SELECT password FROM mdl_user LIMIT 1)', 'id,password', 'password', 'secret',
  '*', '**', '*,id', 'id,*', '%', '%%', '_', '__', '\\', '\\%', '\\_', "'", '"', '`', ';', '--', '/*', '*/', '\u0000', 'NULL',
  'null', 'undefined', 'NaN', 'Infinity', '-Infinity', '-1', '0', '00', '-0', '1e309', '9'.repeat(400), '0x7fffffff',
  '2147483647', '2147483648', '9007199254740991', '9007199254740993', '18446744073709551616', '1.5', '٣', '①', '𝟙',
  ' ', '\t', '\n', '\r\n', '\u00a0', '\u2028', '\uFEFF', 'İ', 'ß', 'ﬃ', 'Ⅻ', '\u{1F600}', 'a\u0301', '<script>alert(1)</script>',
  '${jndi:ldap://x}', '{{7*7}}', '../../config.php', '/etc/passwd', 'C:\\Windows', '%00', '%2e%2e%2f', 'admin', 'ADMIN',
  'hthomas', 'admin@example.com', 'mod_forum', 'core', 'local_moopanel', 'plugins_update', 'core_update', 'lastname DESC',
  'firstname asc, id desc', 'id,username', ' id , username ', 'constructor', '__proto__', 'toString', 'hasOwnProperty',
]

/** Query fragments inserted raw (not percent-encoded) into the query string. */
const RAW = ['%', '%2', '%zz', '%E0%A4%A', '%00', '%25', '%FF%FE', '%C0%AF', '%uD800', '%%', '+', '++', '=', '==', '%3D', '%26', '%2B', '%20']

/** Percent-encodes every UTF-8 byte except unreserved characters (works for lone surrogates too). */
function enc(value: string): string {
  let out = ''
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte)
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

const anyValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...NASTY, 'id', 'username', 'email', 'lastname'), { maxLength: 5 }).map((a) => a.join(',')) },
)

type Part = { key: string; kind: 'value'; value: string } | { key: string; kind: 'flag' } | { key: string; kind: 'raw'; raw: string }

/** A query string over `keys` (and some other keys), with repeats, flags and raw fragments. */
function queryOf(keys: readonly string[]): fc.Arbitrary<string> {
  const key = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 8 })) })
  const part: fc.Arbitrary<Part> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ key, kind: fc.constant('value' as const), value: anyValue }) },
    { weight: 1, arbitrary: fc.record({ key, kind: fc.constant('flag' as const) }) },
    { weight: 2, arbitrary: fc.record({ key, kind: fc.constant('raw' as const), raw: fc.array(fc.oneof(fc.constantFrom(...RAW), fc.constantFrom('1', 'id', 'a'))).map((a) => a.join('')) }) },
  )
  return fc.array(part, { maxLength: 7 }).map((parts) =>
    parts
      .map((p) => (p.kind === 'flag' ? enc(p.key) : p.kind === 'raw' ? `${enc(p.key)}=${p.raw}` : `${enc(p.key)}=${enc(p.value)}`))
      .join('&'),
  )
}

/** The endpoint a path below the route reaches, after URL normalisation and percent-decoding (§3.1). */
function endpointOf(path: string): string {
  const pathname = new URL(`${ROUTE}${path}`, 'http://localhost').pathname
  if (!pathname.startsWith(ROUTE)) return ''
  const first = pathname.slice(ROUTE.length).split('/').find((seg) => seg !== '') ?? 'test_connection'
  try {
    return decodeURIComponent(first)
  } catch {
    return ''
  }
}

/** Finds credential keys or password hashes anywhere in a body. */
function credentialLeak(res: ApiResponse): string | null {
  if (res.body.includes('$6$rounds=')) return 'password hash in body'
  const walk = (v: unknown): string | null => {
    if (Array.isArray(v)) {
      for (const x of v) {
        const r = walk(x)
        if (r) return r
      }
    } else if (v !== null && typeof v === 'object') {
      for (const [k, inner] of Object.entries(v)) {
        if (k === 'password' || k === 'secret') return `key ${k}`
        const r = walk(inner)
        if (r) return r
      }
    }
    return null
  }
  return walk(res.json)
}

/**
 * The response invariant: < 500 (501 only with one of the texts the spec defines for the request,
 * `allowed501`), JSON content type, a JSON object that is either exactly `{"error": string}` (4xx)
 * or has the endpoint's normal keys (2xx), no credentials.
 */
function assertSane(res: ApiResponse, normalKeys: readonly string[], what: string, allowed501: readonly string[] = []): void {
  const spec501 = res.status === 501 && allowed501.includes(res.json?.error)
  assert.ok(res.status < 500 || spec501, `${what}: status ${res.status} ${res.body.slice(0, 300)}`)
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8', `${what}: content-type`)
  assert.equal(res.headers['cache-control'], 'no-store', `${what}: cache-control`)
  const body = res.json
  assert.ok(body !== null && typeof body === 'object' && !Array.isArray(body), `${what}: body is not a JSON object: ${res.body.slice(0, 300)}`)
  const keys = Object.keys(body)
  if (keys.length === 1 && keys[0] === 'error') {
    assert.equal(typeof body.error, 'string', `${what}: error is a string`)
    assert.ok(res.status >= 400, `${what}: error body with status ${res.status}`)
  } else {
    assert.ok(res.status >= 200 && res.status < 300, `${what}: status ${res.status} with body ${res.body.slice(0, 300)}`)
    for (const k of normalKeys) assert.ok(k in body, `${what}: key ${k} missing from ${res.body.slice(0, 300)}`)
  }
  const leak = credentialLeak(res)
  assert.equal(leak, null, `${what}: ${leak}`)
}

/** Row counts of Moodle tables that API requests must never change. */
async function moodleCounts(): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: testEnv().pgUrl })
  await client.connect()
  try {
    const out: Record<string, number> = {}
    for (const table of ['mdl_user', 'mdl_config', 'mdl_config_plugins', 'mdl_course', 'mdl_course_categories', 'mdl_upgrade_log']) {
      const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)
      out[table] = Number(r.rows[0]!.n)
    }
    const users = await client.query<{ h: string }>(`SELECT md5(string_agg(id || ':' || username || ':' || password || ':' || deleted, ',' ORDER BY id)) AS h FROM mdl_user`)
    out['mdl_user hash'] = Number.parseInt(users.rows[0]!.h.slice(0, 12), 16)
    return out
  } finally {
    await client.end()
  }
}

describe('bad input on the read endpoints (fast-check)', () => {
  let s: FixtureService
  let countsBefore: Record<string, number>
  /** The full user list (default order) for the search model. */
  let everyone: Array<Record<string, string>>

  before(async () => {
    countsBefore = await moodleCounts()
    assert.equal(countsBefore['mdl_user'], ALL_USERS + 1)
    s = await startFixtureService('pgsql', { auth_lockout_threshold: 1_000_000 })
    everyone = (await call(s, '/users?fields=id,username,firstname,lastname,email')).json.users
    assert.equal(everyone.length, ALL_USERS)
  })
  after(async () => {
    await closeService(s)
  })

  /** A property over the query of `path`; `examples` always run first (known edge cases). */
  const prop = (name: string, path: string, keys: readonly string[], normal: readonly string[], examples: string[], extra?: (res: ApiResponse, query: string) => void) =>
    it(name, async () => {
      await fc.assert(
        fc.asyncProperty(queryOf(keys), async (query) => {
          const res = await call(s, `${path}?${query}`)
          assertSane(res, normal, `GET ${path}?${query}`)
          extra?.(res, query)
        }),
        { numRuns: RUNS, examples: examples.map((e) => [e] as [string]) },
      )
    })

  const INJECTION_EXAMPLES = [
    'fields=id;DROP%20TABLE%20mdl_user', 'sort=lastname)%20--', 'search=%27%20OR%201%3D1%20--', 'fields=id&fields=password',
    'sort=id%20DESC%3B%20DELETE%20FROM%20mdl_user', 'search=%25&search=_', 'page=99999999999999999999&perpage=1',
  ]

  prop('GET /users: fields, sort, search, page, perpage', '/users', ['fields', 'sort', 'search', 'page', 'perpage'], ['number_of_users', 'users'], [...INJECTION_EXAMPLES, 'search=%00&perpage=1'], (res, query) => {
    if (res.status !== 200) return
    assert.equal(res.json.users.length, res.json.number_of_users, query)
    assert.ok(res.json.number_of_users <= ALL_USERS)
    if ('page' in res.json) assert.ok(Number.isInteger(res.json.total_users) && res.json.total_users <= ALL_USERS)
    for (const u of res.json.users) for (const v of Object.values(u)) assert.ok(v === null || typeof v === 'string', query)
  })

  prop('GET /users/count: search (and ignored list parameters)', '/users/count', ['search', 'fields', 'sort', 'page'], ['number_of_users'], [...INJECTION_EXAMPLES, 'search=%00'], (res, query) => {
    assert.equal(res.status, 200, query)
    assert.ok(Number.isInteger(res.json.number_of_users) && res.json.number_of_users >= 0 && res.json.number_of_users <= ALL_USERS, query)
  })

  prop('GET /users/online: timeStart, timeEnd', '/users/online', ['timeStart', 'timeEnd'], ['all_users', 'online'], ['timeStart=1e3', 'timeStart=99999999999999999999999', 'timeEnd=-1', 'timeStart=%'], (res, query) => {
    if (res.status !== 200) return
    assert.equal(res.json.all_users, ALL_USERS, query)
    assert.ok(Number.isInteger(res.json.online) && res.json.online >= 0 && res.json.online <= ALL_USERS, query)
  })

  prop('GET /user: upn, username, email, id', '/user', ['upn', 'username', 'email', 'id'], ['user'], ['username=%00', 'email=%27%20OR%201%3D1%20--', 'id=-10', 'id=2%20OR%201%3D1'], (res, query) => {
    if (res.status === 200) assert.ok(typeof res.json.user.id === 'string', query)
    else assert.ok(['User not found.', 'No parameters provided.'].includes(res.json.error), `${query}: ${res.body}`)
  })

  prop('GET /plugin: plugin and flags', '/plugin', ['plugin', 'displayupdates', 'displayupdateslog', 'displayconfig'], ['plugininfo'], ['plugin=constructor', 'plugin=__proto__', 'plugin=..%2F..%2Fconfig.php&displayconfig'], (res, query) => {
    if (res.status !== 200) assert.ok(['Plugin not specified.', 'Plugin not exist.'].includes(res.json.error), `${query}: ${res.body}`)
    else if (res.json.pluginconfig) {
      for (const [k, v] of Object.entries(res.json.pluginconfig)) if (/pass|secret|key|token|salt/i.test(k)) assert.equal(v, '********', `${query}: ${k}`)
    }
  })

  prop('GET /tasks/check: id, type', '/tasks/check', ['id', 'type'], ['status', 'error'], ['id=1&type=constructor', 'id=1&type=__proto__', 'id=99999999999999999999&type=core_update'], (res, query) => {
    if (res.status === 200) {
      assert.ok([1, 2, 3, 4].includes(res.json.status), query)
      assert.equal(typeof res.json.error, 'string')
    } else {
      assert.ok(['No task id specified.', 'No task type specified.'].includes(res.json.error), `${query}: ${res.body}`)
    }
  })

  it('GET of the parameterless endpoints ignores any query', async () => {
    const endpoints: Array<[string, string[]]> = [
      ['', ['url', 'site_fullname', 'logo', 'theme', 'moodle_version']],
      ['/dashboard', ['url', 'site_fullname', 'site_shortname']],
      ['/courses', ['number_of_categories', 'number_of_courses']],
      ['/plugins', ['last_check_for_updates', 'plugins']],
      ['/moodle_core', ['current_version', 'current_release', 'update_available', 'update_log']],
      ['/backups', ['backups_in_progress']],
      ['/api_key_status', ['key_expiration_date']],
    ]
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...endpoints), queryOf(['displaycategories', 'displaycourses', 'displayupdates', 'displayupdateslog', 'x']), async ([path, normal], query) => {
        const res = await call(s, `${path}?${query}`)
        assertSane(res, normal, `GET ${path}?${query}`)
        assert.equal(res.status, 200, `GET ${path}?${query}: ${res.body.slice(0, 200)}`)
      }),
      { numRuns: RUNS },
    )
  })

  it('search is literal and matches the model for %, _, \\ and letters', async () => {
    const model = (term: string) => {
      const t = term.trim()
      const lower = t.toLowerCase()
      return everyone.filter((u) => `${u['firstname']} ${u['lastname']}`.toLowerCase().includes(lower) || u['email']!.toLowerCase().includes(lower) || u['username'] === t).length
    }
    const term = fc.string({ unit: fc.constantFrom(...'aehmnorstuAEST_%\\ .@-0'.split('')), maxLength: 4 })
    await fc.assert(
      fc.asyncProperty(term, async (t) => {
        const res = await call(s, `/users/count?search=${enc(t)}`)
        assert.equal(res.status, 200)
        assert.equal(res.json.number_of_users, model(t), `search ${JSON.stringify(t)}`)
      }),
      { numRuns: 200, examples: [['%'], ['_'], ['\\'], ['\\%'], ['a_e'], ['%a']] },
    )
  })

  it('a repeated key: the last occurrence wins', async () => {
    await fc.assert(
      fc.asyncProperty(anyValue, fc.constantFrom('smith', 'admin', '%', '_', 'zzz'), async (first, last) => {
        const repeated = await call(s, `/users/count?search=${enc(first)}&search=${enc(last)}`)
        const single = await call(s, `/users/count?search=${enc(last)}`)
        assert.deepEqual(repeated.json, single.json, `search=${first}&search=${last}`)
        const user = await call(s, `/user?id=${enc(first)}&id=2`)
        assert.equal(user.json?.user?.username, 'admin', `id=${first}&id=2`)
      }),
      { numRuns: RUNS },
    )
  })

  it('arbitrary paths under the route answer a JSON object below 500', async () => {
    const segment = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('users', 'user', 'tasks', 'check', 'online', 'count', 'plugins', 'plugin', 'updates', 'installzip', 'uninstall', 'backups', 'courses', 'dashboard', 'api_key_status', 'moodle_core', 'admin_presets', 'test_connection', '', '.', '..') },
      { weight: 2, arbitrary: anyValue.map(enc) },
      { weight: 1, arbitrary: fc.constantFrom(...RAW) },
    )
    const method = fc.constantFrom('GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD')
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 4 }), method, async (segments, m) => {
        const path = `/${segments.join('/')}`
        if (path.includes('uninstall') && m === 'POST') return // never run a real uninstall
        const res = await call(s, `${path}?plugin=mod_doesnotexist`, { method: m })
        // 501 is the spec's answer to POST /users and POST /user only; the asynchronous endpoints
        // (POST/PUT/DELETE of plugins, moodle_core, backups, and GET admin_presets) are outside the
        // read endpoints under test and still answer 501 until their job engine exists.
        const endpoint = endpointOf(path)
        const asyncWrite = (m !== 'GET' && ['plugins', 'moodle_core', 'backups'].includes(endpoint)) || (m === 'GET' && endpoint === 'admin_presets')
        const allowed = m === 'POST' && ['users', 'user'].includes(endpoint) ? ['Not Implemented yet.', 'Not implemented yet.'] : asyncWrite ? ['Not implemented yet.'] : []
        assert.ok(res.status < 500 || (res.status === 501 && allowed.includes(res.json?.error)), `${m} ${path}: ${res.status} ${res.body.slice(0, 200)}`)
        if (m === 'HEAD') return
        assertSane(res, [], `${m} ${path}`, allowed)
      }),
      { numRuns: 200, examples: [[['constructor'], 'GET'], [['%'], 'GET'], [['tasks', '__proto__'], 'GET']] },
    )
  })

  it('arbitrary X-API-KEY and X-Request-Id headers', async () => {
    const headerValue = fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09)).map((c) => String.fromCharCode(c)), maxLength: 140 })
    await fc.assert(
      fc.asyncProperty(headerValue, headerValue, async (key, requestId) => {
        fc.pre(key.trim() !== TEST_KEY)
        const res = await call(s, '/users/count', { key, headers: { 'x-request-id': requestId } })
        assert.equal(res.status, 401, `key ${JSON.stringify(key)}: ${res.body}`)
        assert.ok(['Authorization key required.', 'Authorization failed.'].includes(res.json.error), res.body)
        const id = String(res.headers['x-request-id'])
        if (/^[A-Za-z0-9._:-]{1,128}$/.test(requestId)) assert.equal(id, requestId)
        else assert.match(id, UUID_V4)
      }),
      { numRuns: RUNS },
    )
  })

  describe('bodies of POST, PUT and DELETE', () => {
    /**
     * Endpoint → what a 2xx answer carries → the 501 texts the spec defines for it. The uninstall
     * target only ever names a plugin that does not exist (or none), so nothing is ever uninstalled.
     */
    const TARGETS: Array<[string, string, string[], string[]]> = [
      ['POST', '/users', [], ['Not Implemented yet.']],
      ['POST', '/users/online', [], ['Not Implemented yet.']],
      ['POST', '/user', [], ['Not implemented yet.']],
      ['POST', '/plugins', [], []],
      ['POST', '/plugins/refresh', [], []],
      ['POST', '/plugin?plugin=mod_forum', [], ['Not implemented yet.']],
      ['POST', '/plugin/disable?plugin=mod_forum', [], ['Not implemented yet.']],
      ['POST', '/plugin/uninstall?plugin=mod_doesnotexist', ['uninstalled', 'removed'], []],
      ['POST', '/plugin/uninstall', ['uninstalled', 'removed'], []],
      ['DELETE', '/users', [], []],
      ['PUT', '/user', [], []],
      ['POST', '/tasks/check', [], []],
      ['POST', '/courses', [], []],
      ['DELETE', '/nope', [], []],
    ]
    /**
     * The asynchronous endpoints (§4.7, 4.8, 4.12, 4.17–4.19). Their job engine is outside the read
     * endpoints under test; until it exists they answer 501 "Not implemented yet.", tolerated here.
     */
    const ASYNC_TARGETS: Array<[string, string, string[], string[]]> = [
      ['POST', '/plugins/updates', ['status', 'moodle_job_id', 'message'], ['Not implemented yet.']],
      ['POST', '/plugins/installzip', ['status', 'moodle_job_id', 'message'], ['Not implemented yet.']],
      ['POST', '/moodle_core', ['status', 'moodle_job_id', 'message'], ['Not implemented yet.']],
      ['POST', '/backups', ['backups', 'errors'], ['Not implemented yet.']],
      ['PUT', '/backups', ['status', 'message', 'moodle_job_id'], ['Not implemented yet.']],
      ['DELETE', '/backups', ['backups'], ['Not implemented yet.']],
    ]
    const jsonText = fc.oneof(
      fc.json({ maxDepth: 3 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ data: v })),
      fc.dictionary(fc.oneof(fc.constantFrom('instance_id', 'updates', 'courses', 'storage', 'mode', 'link', 'confirm', 'version', 'download', 'user_id', 'username', 'backups'), fc.string({ maxLength: 6 })), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 })
        .map((d) => JSON.stringify({ data: d })),
    )
    const body: fc.Arbitrary<string | Buffer> = fc.oneof(
      { weight: 4, arbitrary: jsonText },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a)) },
      { weight: 1, arbitrary: jsonText.map((t) => `\uFEFF${t}`) },
      { weight: 1, arbitrary: fc.constantFrom('{"data":', '{"data":}', '', ' ', 'null', '[]', '{"data":null}', '{"data":{"instance_id":"12a"}}', '{"data":{"instance_id":1e400}}', `{"data":${'['.repeat(5000)}`, `{"a":"${'x'.repeat(5000)}"}`) },
    )
    const contentType = fc.constantFrom(undefined, 'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'json', 'application/')

    const bodyProperty = (targets: Array<[string, string, string[], string[]]>) =>
      fc.asyncProperty(fc.constantFrom(...targets), body, contentType, async ([method, path, normal, allowed501], payload, type) => {
        const init: RawInit = { method, payload, headers: type === undefined ? {} : { 'content-type': type } }
        const res = await call(s, path, init)
        assertSane(res, normal, `${method} ${path} ${type} ${JSON.stringify(payload.toString()).slice(0, 200)}`, allowed501)
      })

    it('never fail the service (synchronous endpoints, 405s and unknown endpoints)', async () => {
      await fc.assert(bodyProperty(TARGETS), {
        numRuns: 200,
        examples: [
          [TARGETS[0]!, '{"data":{"instance_id":"1; DROP TABLE mdl_user"}}', 'application/json'],
          [TARGETS[2]!, '{"data":{}}', 'json'],
        ],
      })
    })

    it('never fail the service (asynchronous endpoints)', async () => {
      await fc.assert(bodyProperty(ASYNC_TARGETS), { numRuns: 120 })
    })
  })

  it('left Moodle untouched: /users/count is still 3001 and no table changed', async () => {
    assert.deepEqual((await call(s, '/users/count')).json, { number_of_users: ALL_USERS })
    assert.deepEqual(await moodleCounts(), countsBefore)
  })
})

describe('bad input on POST /api_key_status (fast-check)', () => {
  let s: FixtureService
  before(async () => {
    s = await startFixtureService('pgsql', { timezone: 'UTC' })
  })
  after(async () => {
    await closeService(s)
  })

  it('answers 201 or one of its two 400s, and GET can always report what was stored', async () => {
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map((n) => Number(n)),
      fc.maxSafeNat(),
      fc.integer({ min: 1, max: 8_640_000_000_000 }),
      fc.maxSafeNat().map(String),
      fc.constantFrom(null, 0, false, '', true, -1, 1.5, '12a', '0', '00', ' 1', '1 ', 9007199254740991, 9007199254740992, 8640000000001, 253402300800, 1e21, [], {}),
    )
    const payload = fc.oneof(
      { weight: 6, arbitrary: value.map((v) => JSON.stringify({ data: { key_expiration_date: v } })) },
      { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
    )
    await fc.assert(
      fc.asyncProperty(payload, async (text) => {
        const res = await call(s, '/api_key_status', { method: 'POST', payload: text, headers: { 'content-type': 'application/json' } })
        assertSane(res, ['status', 'key_expiration_date'], `POST ${text}`)
        if (res.status === 201) {
          assert.equal(res.json.status, true)
          const stored = res.json.key_expiration_date
          assert.ok(stored === 'permanent' || (Number.isSafeInteger(stored) && stored >= 1), `stored ${stored}`)
          const get = await call(s, '/api_key_status')
          // A past expiry makes the key expired at once (401); anything else must be reported.
          if (get.status !== 401) {
            assertSane(get, ['key_expiration_date'], `GET after POST ${text}`)
            assert.equal(get.status, 200, `GET after POST ${text}: ${get.body}`)
            assert.ok(stored === 'permanent' ? get.json.key_expiration_date === 'permanent' : /^\d{2}\/\d{2}\/\d+ \d{2}:\d{2}:\d{2}$/.test(get.json.key_expiration_date), `GET after POST ${text}: ${get.body}`)
          }
        } else {
          assert.ok(['Missing API key expiration_date', 'Invalid API key expiration_date'].includes(res.json.error), `POST ${text}: ${res.body}`)
        }
        // Back to a permanent key for the next run (a past expiry would refuse the POST itself).
        await s.service.keys.setExpiry(null)
      }),
      { numRuns: 150, examples: [['{"data":{"key_expiration_date":9007199254740991}}']] },
    )
  })
})
