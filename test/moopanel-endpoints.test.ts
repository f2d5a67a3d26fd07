/**
 * Endpoint semantics of the read endpoints beyond the wire comparison (moopanel-api.md §4.1–4.6,
 * 4.9, 4.11, 4.14–4.16, Appendix B): the /users field, sort, search and paging grammar, credential
 * columns, /users/count and /users/online windows, /user lookup order, /plugin checks and secret
 * masking, /tasks/check, /backups, and /api_key_status validation and formatting. The read-only
 * parts run on every fixture database.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertError, assertOk, call, closeService, type ApiResponse } from './support/moopanel-http.ts'
import { fixtureDbs, startFixtureService, type FixtureService } from './support/start-fixture-service.ts'
import { testEnv } from './support/test-env.ts'

/** §4.4: the user-column whitelist, in Moodle's table order. */
const WHITELIST = [
  'id', 'auth', 'confirmed', 'policyagreed', 'deleted', 'suspended', 'mnethostid', 'username', 'idnumber',
  'firstname', 'lastname', 'email', 'emailstop', 'phone1', 'phone2', 'institution', 'department',
  'address', 'city', 'country', 'lang', 'calendartype', 'theme', 'timezone', 'firstaccess',
  'lastaccess', 'lastlogin', 'currentlogin', 'lastip', 'picture', 'description',
  'descriptionformat', 'mailformat', 'maildigest', 'maildisplay', 'autosubscribe', 'trackforums',
  'timecreated', 'timemodified', 'trustbitmask', 'imagealt', 'lastnamephonetic',
  'firstnamephonetic', 'middlename', 'alternatename', 'moodlenetprofile',
]
const ALL_USERS = 3001
const SECRET_NAME = /pass|secret|key|token|salt/i
const MASK = '********'

type Row = Record<string, string | null>

const q = (value: string) => encodeURIComponent(value)

/** No object anywhere in `value` has a `password` or `secret` key; no password hash appears. */
function assertNoCredentials(res: ApiResponse, what: string): void {
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk)
    else if (v !== null && typeof v === 'object') {
      for (const [k, inner] of Object.entries(v)) {
        assert.ok(k !== 'password' && k !== 'secret', `${what}: credential key ${k}`)
        walk(inner)
      }
    }
  }
  walk(res.json)
  assert.ok(!res.body.includes('$6$rounds='), `${what}: a password hash in the body`)
}

/** Runs every check and fails once with the list of those that failed (for precise reports). */
async function checkAll(checks: Array<[string, () => Promise<void>]>): Promise<void> {
  const problems: string[] = []
  for (const [name, check] of checks) {
    try {
      await check()
    } catch (error) {
      problems.push(`${name}: ${String((error as Error).message).split('\n')[0]}`)
    }
  }
  assert.deepEqual(problems, [])
}

/** Every value of a raw user row is a string or null (§3.9). */
function assertRawRow(row: Row, what: string): void {
  for (const [k, v] of Object.entries(row)) assert.ok(v === null || typeof v === 'string', `${what}: ${k} is ${typeof v}`)
}

for (const db of fixtureDbs()) {
  describe(`read endpoints on ${db}`, () => {
    let s: FixtureService
    /** All listed users (default order) with the columns the checks below need. */
    let everyone: Row[]

    before(async () => {
      s = await startFixtureService(db)
      const res = await call(s, '/users?fields=id,username,firstname,lastname,email,lastaccess')
      everyone = assertOk(res).users
      assert.equal(everyone.length, ALL_USERS)
    })
    after(async () => {
      await closeService(s)
    })

    /** §4.4 search, as a model over the full list. */
    const modelSearch = (term: string): string[] => {
      const t = term.trim()
      const lower = t.toLowerCase()
      return everyone
        .filter((u) => `${u['firstname']} ${u['lastname']}`.toLowerCase().includes(lower) || String(u['email']).toLowerCase().includes(lower) || u['username'] === t)
        .map((u) => String(u['id']))
    }
    const ids = (res: ApiResponse): string[] => {
      const body = assertOk(res)
      assert.equal(body.number_of_users, body.users.length, 'number_of_users counts the listed users')
      return (body.users as Row[]).map((u) => String(u['id']))
    }

    describe('GET /users', () => {
      it('returns every whitelisted column by default, as strings or null, never credentials', async () => {
        for (const path of ['/users', '/users?fields=*', '/users?fields=', '/users?fields=%20*%20']) {
          const res = await call(s, path)
          const body = assertOk(res, 200, path)
          assert.deepEqual(Object.keys(body), ['number_of_users', 'users'], path)
          assert.equal(body.number_of_users, ALL_USERS, path)
          assert.equal(body.users.length, ALL_USERS, path)
          for (const u of body.users as Row[]) {
            assert.deepEqual(Object.keys(u), WHITELIST, `${path}: columns of user ${u['id']}`)
            assertRawRow(u, path)
          }
          assertNoCredentials(res, path)
        }
      })

      it('excludes the guest account and deleted users', async () => {
        const listed = new Set(everyone.map((u) => u['id']))
        assert.ok(!listed.has('1'), 'guest (id 1) is not listed')
        assert.ok(listed.has('2'), 'admin is listed')
        assert.ok(!everyone.some((u) => u['username'] === 'guest'))
      })

      it('selects the named fields in the given order, trimming spaces and dropping duplicates', async () => {
        const cases: Array<[string, string[]]> = [
          ['id,username', ['id', 'username']],
          ['username,id', ['username', 'id']],
          [' id , username ,firstname ', ['id', 'username', 'firstname']],
          ['id,username,id,username', ['id', 'username']],
          ['email,email', ['email']],
          ['moodlenetprofile', ['moodlenetprofile']],
          ['lastaccess,id', ['lastaccess', 'id']],
        ]
        for (const [fields, keys] of cases) {
          const body = assertOk(await call(s, `/users?fields=${q(fields)}&perpage=3`), 200, fields)
          for (const u of body.users as Row[]) assert.deepEqual(Object.keys(u), keys, fields)
        }
        const full = assertOk(await call(s, `/users?fields=${q(' id , email ')}`))
        assert.equal(full.number_of_users, ALL_USERS)
        assert.deepEqual(Object.keys(full.users[0]), ['id', 'email'])
      })

      it('answers 400 "Invalid fields." for credentials, unknown columns, empty items and * mixed with names', async () => {
        const invalid = [
          'password', 'secret', 'id,password', 'password,id', 'id,secret', 'id, password ', '*,id', 'id,*', '*,*', '**',
          'id,,username', 'id,', ',id', ',', ' , ', 'nosuchcolumn', 'ID', 'Username', 'id username', 'mdl_user.id', 'user.id',
          'id;DROP TABLE mdl_user', 'id) --', "id' OR '1'='1", 'count(*)', 'id as x', '"id"', '`id`', 'id\u0000', 'passwords',
        ]
        for (const fields of invalid) assertError(await call(s, `/users?fields=${q(fields)}`), 400, 'Invalid fields.', fields)
        assertError(await call(s, '/users?fields=id,password&perpage=2'), 400, 'Invalid fields.')
      })

      it('sorts by lastname ASC then id by default, and follows the sort grammar', async () => {
        const list = async (sort: string | null) =>
          assertOk(await call(s, `/users?fields=id,firstname,lastname${sort === null ? '' : `&sort=${q(sort)}`}`), 200, String(sort)).users as Row[]
        const byDefault = await list(null)
        assert.deepEqual(byDefault.map((u) => u['id']), everyone.map((u) => u['id']))
        for (const same of ['lastname', 'lastname ASC', 'lastname asc', 'LASTNAME'.toLowerCase() + ' AsC', '  lastname   ASC  ', 'lastname ASC, id ASC', 'lastname,id']) {
          assert.deepEqual((await list(same)).map((u) => u['id']), byDefault.map((u) => u['id']), same)
        }
        // Ties broken by id ASC. Equality is the database collation's: MariaDB's utf8mb4_unicode_ci
        // treats Rodríguez and Rodriguez (and case variants) as equal names.
        const fold = (name: string | null | undefined) =>
          db === 'mariadb' ? String(name).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase() : String(name)
        for (let i = 1; i < byDefault.length; i++) {
          if (fold(byDefault[i]!['lastname']) === fold(byDefault[i - 1]!['lastname'])) assert.ok(Number(byDefault[i]!['id']) > Number(byDefault[i - 1]!['id']))
        }
        // DESC reverses the last-name sequence; ties still by id ASC.
        const desc = await list('lastname DESC')
        assert.deepEqual(desc.map((u) => fold(u['lastname'])), [...byDefault].reverse().map((u) => fold(u['lastname'])))
        for (let i = 1; i < desc.length; i++) {
          if (fold(desc[i]!['lastname']) === fold(desc[i - 1]!['lastname'])) assert.ok(Number(desc[i]!['id']) > Number(desc[i - 1]!['id']), 'tie-breaker id ASC')
        }
        assert.deepEqual((await list('lastname desc')).map((u) => u['id']), desc.map((u) => u['id']))
        // Several items, explicit id direction.
        const firstAsc = await list('firstname')
        const mixed = await list('firstname asc, id desc')
        assert.deepEqual(mixed.map((u) => fold(u['firstname'])), firstAsc.map((u) => fold(u['firstname'])))
        for (let i = 1; i < mixed.length; i++) {
          if (fold(mixed[i]!['firstname']) === fold(mixed[i - 1]!['firstname'])) assert.ok(Number(mixed[i]!['id']) < Number(mixed[i - 1]!['id']), 'id desc within a first name')
        }
        const idDesc = await list('id DESC')
        for (let i = 1; i < idDesc.length; i++) assert.ok(Number(idDesc[i]!['id']) < Number(idDesc[i - 1]!['id']))
        const idAsc = await list('id')
        for (let i = 1; i < idAsc.length; i++) assert.ok(Number(idAsc[i]!['id']) > Number(idAsc[i - 1]!['id']))
        // A sort column need not be selected.
        const byEmail = assertOk(await call(s, '/users?fields=id&sort=email%20desc&perpage=1')).users
        assert.deepEqual(Object.keys(byEmail[0]), ['id'])
      })

      it('answers 400 "Invalid sort." for anything outside the grammar', async () => {
        const invalid = [
          'lastname;DROP', 'lastname;DROP TABLE mdl_user', 'lastname) --', "lastname' --", 'password', 'secret', 'password DESC',
          'nosuch', 'lastname DESCENDING', 'lastname ASC DESC', 'lastname,', ',lastname', 'lastname,,id', ',', 'lastname+DESC',
          'lastname DESC NULLS FIRST', '1', 'RANDOM()', 'lastname COLLATE "C"', 'mdl_user.lastname', 'lastname-', 'last name',
        ]
        for (const sort of invalid) assertError(await call(s, `/users?sort=${q(sort)}`), 400, 'Invalid sort.', sort)
      })

      it('reports the first invalid parameter: fields, then sort, then paging', async () => {
        assertError(await call(s, '/users?fields=password&sort=x;&page=-1'), 400, 'Invalid fields.')
        assertError(await call(s, '/users?fields=id&sort=x;&page=-1'), 400, 'Invalid sort.')
        assertError(await call(s, '/users?fields=id&sort=id&page=-1'), 400, 'Invalid paging.')
      })

      it('searches case-insensitively in "firstname lastname" and email, and for an exact username', async () => {
        const terms = [
          'smith', 'SMITH', '  Smith  ', 'admin', 'ADMIN', 'admin@example.com', 'example.com', 'hthomas', 'Hugo Thomas', 'hugo thomas',
          'Siobhán', 'SIOBHÁN', 'án', 'tool_generator_000001', 'TOOL_GENERATOR_000001', 'zzzz-no-match', 'a', ' ', 'Emma Davis',
        ]
        for (const term of terms) {
          const expected = modelSearch(term)
          assert.deepEqual(ids(await call(s, `/users?fields=id&search=${q(term)}`)), expected, `search ${JSON.stringify(term)}`)
          assert.deepEqual(assertOk(await call(s, `/users/count?search=${q(term)}`)), { number_of_users: expected.length }, `count ${JSON.stringify(term)}`)
        }
        assert.ok(modelSearch('smith').length > 0, 'the fixture has Smiths')
        assert.ok(modelSearch('SIOBHÁN').length > 0, 'non-ASCII names match case-insensitively')
      })

      it('treats % and _ literally', async () => {
        const cases: Array<[string, number | null]> = [
          ['%', 0],
          ['%%', 0],
          ['_', null],
          ['h_homas', 0],
          ['tool_generator', null],
          ['tool%generator', 0],
          ['\\', 0],
          ['\\%', 0],
          ['[a-z]', 0],
          ['*', 0],
          ['.*', 0],
        ]
        for (const [term, fixed] of cases) {
          const expected = modelSearch(term)
          if (fixed !== null) assert.equal(expected.length, fixed, `model for ${term}`)
          assert.deepEqual(assertOk(await call(s, `/users/count?search=${q(term)}`)), { number_of_users: expected.length }, `count ${term}`)
          assert.deepEqual(ids(await call(s, `/users?fields=id&search=${q(term)}`)), expected, `list ${term}`)
        }
        // `_` matches exactly the users with a literal underscore in their name or e-mail.
        assert.ok(modelSearch('_').length > 0 && modelSearch('_').length < ALL_USERS)
        // A raw `%` in the query string that is not percent-encoding.
        assert.deepEqual(assertOk(await call(s, '/users/count?search=%')), { number_of_users: modelSearch('%').length })
        // `+` is a space (x-www-form-urlencoded) and the term is trimmed.
        assert.deepEqual(assertOk(await call(s, '/users/count?search=+Hugo+Thomas+')), { number_of_users: modelSearch('Hugo Thomas').length })
        assert.ok(modelSearch('Hugo Thomas').length >= 1)
        // A key without `=` has the value "".
        assert.deepEqual(assertOk(await call(s, '/users/count?search')), { number_of_users: ALL_USERS })
        // Empty and blank searches filter nothing.
        for (const blank of ['', '%20%20', '+']) assert.deepEqual(assertOk(await call(s, `/users/count?search=${blank}`)), { number_of_users: ALL_USERS }, `search=${blank}`)
      })

      it('matches nothing, and does not fail, for a search containing a NUL or other control character', async () => {
        const checks: Array<[string, () => Promise<void>]> = []
        for (const term of ['\u0000', 'smith\u0000', '\u0000%', '\u0001', '\u001f', '\u007f']) {
          const expected = modelSearch(term)
          const t = JSON.stringify(term)
          checks.push([`GET /users/count?search=${t}`, async () => {
            assert.deepEqual(assertOk(await call(s, `/users/count?search=${q(term)}`)), { number_of_users: expected.length })
          }])
          checks.push([`GET /users?search=${t}`, async () => assert.deepEqual(ids(await call(s, `/users?fields=id&search=${q(term)}`)), expected)])
          checks.push([`GET /users?perpage=5&search=${t}`, async () => {
            assert.equal(assertOk(await call(s, `/users?fields=id&perpage=5&search=${q(term)}`)).total_users, expected.length)
          }])
        }
        await checkAll(checks)
      })

      it('pages with page/perpage and reports total_users (B.4)', async () => {
        const res = await call(s, '/users?fields=id,username&perpage=2&page=0')
        const body = assertOk(res)
        assert.deepEqual(Object.keys(body), ['number_of_users', 'users', 'page', 'perpage', 'total_users'])
        assert.deepEqual(body, {
          number_of_users: 2,
          users: everyone.slice(0, 2).map((u) => ({ id: u['id'], username: u['username'] })),
          page: 0,
          perpage: 2,
          total_users: ALL_USERS,
        })
        if (db === 'pgsql') {
          assert.equal(
            res.body,
            '{"number_of_users":2,"users":[{"id":"1008","username":"sadeyemi"},{"id":"1024","username":"sadeyemi2"}],"page":0,"perpage":2,"total_users":3001}',
          )
        }
        const page = async (query: string) => assertOk(await call(s, `/users?fields=id&${query}`), 200, query)
        assert.deepEqual((await page('perpage=2&page=1')).users.map((u: Row) => u['id']), everyone.slice(2, 4).map((u) => u['id']))
        const onlyPage = await page('page=0')
        assert.equal(onlyPage.perpage, 100)
        assert.equal(onlyPage.number_of_users, 100)
        assert.equal(onlyPage.total_users, ALL_USERS)
        const onlyPerpage = await page('perpage=5')
        assert.equal(onlyPerpage.page, 0)
        assert.equal(onlyPerpage.number_of_users, 5)
        const last = await page('perpage=1000&page=3')
        assert.equal(last.number_of_users, 1)
        assert.deepEqual(last.users, [{ id: everyone[3000]!['id'] }])
        const beyond = await page('perpage=100&page=1000')
        assert.deepEqual(beyond, { number_of_users: 0, users: [], page: 1000, perpage: 100, total_users: ALL_USERS })
        const max = await page('perpage=5000')
        assert.equal(max.number_of_users, ALL_USERS)
        const searched = await page('search=smith&perpage=1')
        assert.equal(searched.total_users, modelSearch('smith').length)
        assert.equal(searched.number_of_users, 1)
        // Pages put together are the full list.
        const joined: string[] = []
        for (let p = 0; p < 4; p++) joined.push(...(await page(`perpage=1000&page=${p}`)).users.map((u: Row) => String(u['id'])))
        assert.deepEqual(joined, everyone.map((u) => u['id']))
      })

      it('answers 400 "Invalid paging." for page or perpage out of range or not an integer', async () => {
        const invalid = [
          'perpage=0', 'perpage=5001', 'perpage=-1', 'perpage=1.5', 'perpage=abc', 'perpage=1e2', 'perpage=0x10',
          'page=-1', 'page=abc', 'page=1.0', 'page=1e3', 'page=0x1', 'page=%2B1', 'page=--1', 'perpage=99999999999999999999',
        ]
        for (const query of invalid) assertError(await call(s, `/users?fields=id&${query}`), 400, 'Invalid paging.', query)
      })

      it('treats an empty page or perpage as not given (§3.6): no paging', async () => {
        for (const query of ['page=', 'perpage=', 'page=&perpage=']) {
          const body = assertOk(await call(s, `/users?fields=id&${query}`), 200, query)
          assert.deepEqual(Object.keys(body), ['number_of_users', 'users'], query)
          assert.equal(body.number_of_users, ALL_USERS, query)
        }
        const half = assertOk(await call(s, '/users?fields=id&page=&perpage=2'), 200, 'page=&perpage=2')
        assert.deepEqual(half, { number_of_users: 2, users: everyone.slice(0, 2).map((u) => ({ id: u['id'] })), page: 0, perpage: 2, total_users: ALL_USERS })
      })

      it('lists users for any sub-path other than exactly online or count', async () => {
        await checkAll(['/anything', '/count/extra', '/online/extra', '/Count', '/ONLINE', '/count.json'].map((sub) => [`GET /users${sub}?fields=id&perpage=2`, async () => {
          const body = assertOk(await call(s, `/users${sub}?fields=id&perpage=2`))
          assert.deepEqual(Object.keys(body), ['number_of_users', 'users', 'page', 'perpage', 'total_users'], `keys ${JSON.stringify(Object.keys(body))}`)
        }]))
      })

      it('returns an empty list as [] with number_of_users 0', async () => {
        assert.deepEqual(assertOk(await call(s, '/users?fields=id&search=zzzz-no-such-user')), { number_of_users: 0, users: [] })
      })
    })

    describe('GET /users/count', () => {
      it('counts users that are not deleted, without the guest', async () => {
        const res = await call(s, '/users/count')
        assert.equal(res.body, '{"number_of_users":3001}')
        assertOk(res)
      })

      it('ignores fields, sort and paging', async () => {
        assert.deepEqual(assertOk(await call(s, '/users/count?fields=password&sort=x;DROP&page=-1&perpage=0')), { number_of_users: ALL_USERS })
        assert.deepEqual(assertOk(await call(s, '/users/count?search=smith&fields=nonsense')), { number_of_users: modelSearch('smith').length })
      })
    })

    describe('GET /users/online', () => {
      const online = (start: number, end: number) =>
        everyone.filter((u) => Number(u['lastaccess']) >= start && Number(u['lastaccess']) < end).length
      const lastAccesses = () => everyone.map((u) => Number(u['lastaccess'])).filter((n) => n > 0)

      it('answers all_users and online for the default window', async () => {
        const body = assertOk(await call(s, '/users/online'))
        assert.deepEqual(Object.keys(body).sort(), ['all_users', 'online'])
        assert.equal(body.all_users, ALL_USERS)
        assert.ok(Number.isInteger(body.online) && body.online >= 0 && body.online <= ALL_USERS)
        const now = Math.floor(Date.now() / 1000)
        assert.ok(body.online <= online(now - 310, now + 10))
        assert.ok(body.online >= online(now - 290, now - 5))
      })

      it('counts lastaccess in [timeStart, timeEnd)', async () => {
        const times = lastAccesses()
        const windows: Array<[number, number]> = [[1, 9999999999], [0, 1], [0, 9999999999]]
        if (times.length > 0) {
          const max = Math.max(...times)
          const min = Math.min(...times)
          windows.push([max, max + 1], [min, max], [min, max + 1], [max + 1, max + 2], [min - 100, min])
        }
        for (const [start, end] of windows) {
          const body = assertOk(await call(s, `/users/online?timeStart=${start}&timeEnd=${end}`), 200, `${start}..${end}`)
          assert.deepEqual(body, { all_users: ALL_USERS, online: online(start, end) }, `${start}..${end}`)
        }
        if (db === 'pgsql') {
          assert.deepEqual(assertOk(await call(s, '/users/online?timeStart=1&timeEnd=9999999999')), { all_users: ALL_USERS, online: 16 })
        }
      })

      it('defaults timeStart to timeEnd − 300 and timeEnd to now + 1', async () => {
        const times = lastAccesses()
        const end = times.length > 0 ? Math.max(...times) + 1 : 1795304535
        assert.deepEqual(assertOk(await call(s, `/users/online?timeEnd=${end}`)), { all_users: ALL_USERS, online: online(end - 300, end) })
        assert.deepEqual(assertOk(await call(s, `/users/online?timeEnd=${end}&timeStart=`)), { all_users: ALL_USERS, online: online(end - 300, end) })
        // Only timeStart: the window runs to now.
        const start = times.length > 0 ? Math.min(...times) : 1
        assert.deepEqual(assertOk(await call(s, `/users/online?timeStart=${start}`)), { all_users: ALL_USERS, online: online(start, Math.floor(Date.now() / 1000) + 1) })
      })

      it('answers online 0 for an empty window (start = end)', async () => {
        for (const t of [0, 1795304527, 1795304534, 9999999999]) {
          assert.deepEqual(assertOk(await call(s, `/users/online?timeStart=${t}&timeEnd=${t}`)), { all_users: ALL_USERS, online: 0 })
        }
      })

      it('answers 400 "StartTime must be less than endTime." when start > end', async () => {
        assertError(await call(s, '/users/online?timeStart=1795309199&timeEnd=1795305600'), 400, 'StartTime must be less than endTime.')
        assertError(await call(s, '/users/online?timeStart=1&timeEnd=0'), 400, 'StartTime must be less than endTime.')
        assertError(await call(s, `/users/online?timeStart=${Math.floor(Date.now() / 1000) + 100000}`), 400, 'StartTime must be less than endTime.')
      })

      it('answers 400 "Invalid timeStart or timeEnd." for values that are not non-negative integers', async () => {
        const invalid = [
          'timeStart=abc', 'timeStart=-1', 'timeStart=1.5', 'timeStart=1e3', 'timeStart=0x10', 'timeStart=%2B5', 'timeStart=1%20',
          'timeEnd=abc', 'timeEnd=-5', 'timeEnd=12a', 'timeStart=1&timeEnd=x', 'timeStart=NaN', 'timeEnd=Infinity', 'timeStart=%E2%91%A0',
        ]
        for (const query of invalid) assertError(await call(s, `/users/online?${query}`), 400, 'Invalid timeStart or timeEnd.', query)
      })

      it('accepts very large integers', async () => {
        assert.deepEqual(assertOk(await call(s, '/users/online?timeStart=0&timeEnd=99999999999999999999999')), { all_users: ALL_USERS, online: online(0, Infinity) })
        assert.deepEqual(assertOk(await call(s, '/users/online?timeStart=99999999999999999999999&timeEnd=99999999999999999999999')), { all_users: ALL_USERS, online: 0 })
      })
    })

    describe('GET /user', () => {
      const userOf = async (query: string) => {
        const res = await call(s, `/user?${query}`)
        const body = assertOk(res, 200, query)
        assert.deepEqual(Object.keys(body), ['user'], query)
        assertNoCredentials(res, query)
        return body.user as Row
      }
      const hthomas = () => everyone.find((u) => u['username'] === 'hthomas')!

      it('returns every whitelisted column of one user, never credentials (B.6)', async () => {
        const admin = await userOf('id=2')
        assert.deepEqual(Object.keys(admin), WHITELIST)
        assertRawRow(admin, 'id=2')
        assert.equal(admin['id'], '2')
        assert.equal(admin['username'], 'admin')
        assert.equal(admin['deleted'], '0')
        assert.equal(admin['mnethostid'], '1')
        assert.equal(typeof admin['timecreated'], 'string')
      })

      it('looks up by the first given of upn, username, email, id', async () => {
        const h = hthomas()
        assert.equal((await userOf(`upn=admin&username=hthomas&email=${q(String(h['email']))}&id=3`))['username'], 'admin')
        assert.equal((await userOf('id=3&email=admin%40example.com&username=hthomas&upn=admin'))['username'], 'admin', 'parameter order in the URL does not matter')
        assert.equal((await userOf('username=hthomas&email=admin%40example.com&id=3'))['username'], 'hthomas')
        assert.equal((await userOf('email=admin%40example.com&id=3'))['id'], '2')
        assert.equal((await userOf('id=3'))['id'], '3')
        assert.equal((await userOf('upn=hthomas'))['id'], h['id'])
        assert.equal((await userOf(`email=${q(String(h['email']))}`))['id'], h['id'])
        // Empty values are not given.
        assert.equal((await userOf('upn=&username=hthomas'))['id'], h['id'])
        assert.equal((await userOf('upn=&username=&email=&id=2'))['id'], '2')
        // The winner is the only lookup: no fallback to later parameters.
        assertError(await call(s, '/user?upn=nosuchuser&username=admin'), 400, 'User not found.')
        assertError(await call(s, '/user?username=nosuchuser&id=2'), 400, 'User not found.')
        assertError(await call(s, '/user?email=nosuch%40example.com&id=2'), 400, 'User not found.')
        // Last occurrence of a repeated key wins.
        assert.equal((await userOf('id=3&id=2'))['id'], '2')
      })

      it('answers 400 "User not found." for unknown users and ids that are not id values', async () => {
        for (const query of ['id=999999', 'id=-10', 'id=-20', 'id=0', 'id=abc', 'id=2.5', 'id=2abc', 'id=99999999999', 'id=2147483648', 'username=nosuchuser', 'upn=%25', 'email=%25', 'username=admin%20', 'email=nobody%40nowhere']) {
          assertError(await call(s, `/user?${query}`), 400, 'User not found.', query)
        }
      })

      it('answers 400 "User not found." (not 500) for values with a NUL or other control character', async () => {
        const checks: Array<[string, () => Promise<void>]> = []
        for (const param of ['upn', 'username', 'email']) {
          for (const value of ['\u0000', 'admin\u0000', '\u0000admin@example.com', '\u0001', '\u007f']) {
            checks.push([`GET /user?${param}=${JSON.stringify(value)}`, async () => assertError(await call(s, `/user?${param}=${q(value)}`), 400, 'User not found.')])
          }
        }
        checks.push(['GET /user?id="2\\u0000"', async () => assertError(await call(s, `/user?id=${q('2\u0000')}`), 400, 'User not found.')])
        await checkAll(checks)
      })

      it('answers 400 "No parameters provided." without a given parameter', async () => {
        for (const query of ['', '?', '?upn=&username=&email=&id=', '?upn&username&email&id', '?foo=bar', '?ID=2', '?userid=2']) {
          assertError(await call(s, `/user${query}`), 400, 'No parameters provided.', query)
        }
      })
    })

    describe('GET /plugin', () => {
      it('answers 400 "Plugin not specified." and "Plugin not exist."', async () => {
        assertError(await call(s, '/plugin'), 400, 'Plugin not specified.')
        assertError(await call(s, '/plugin?plugin='), 400, 'Plugin not specified.')
        assertError(await call(s, '/plugin?displayconfig'), 400, 'Plugin not specified.')
        for (const name of ['mod_doesnotexist', 'core', 'core_admin', 'MOD_FORUM', 'forum', 'mod_', '_forum', 'mod_forum ', 'mod_forum/../x', '../../config.php']) {
          assertError(await call(s, `/plugin?plugin=${q(name)}`), 400, 'Plugin not exist.', name)
        }
      })

      it('applies both checks before method dispatch; other POSTs are not implemented', async () => {
        assertError(await call(s, '/plugin', { method: 'POST' }), 400, 'Plugin not specified.')
        assertError(await call(s, '/plugin/uninstall', { method: 'POST' }), 400, 'Plugin not specified.')
        assertError(await call(s, '/plugin/whatever?plugin=mod_nope', { method: 'POST' }), 400, 'Plugin not exist.')
        assertError(await call(s, '/plugin/whatever?plugin=mod_forum', { method: 'POST' }), 501, 'Not implemented yet.')
        assertError(await call(s, '/plugin?plugin=mod_forum', { method: 'POST' }), 501, 'Not implemented yet.')
        assertError(await call(s, '/plugin/disable?plugin=mod_forum', { method: 'POST', payload: '{"data":{"confirm":true}}' }), 501, 'Not implemented yet.')
      })

      it('adds the flag-dependent keys only with their flags, whatever the flag value', async () => {
        const keysOf = async (query: string) => Object.keys(assertOk(await call(s, `/plugin?plugin=mod_forum${query}`), 200, query))
        assert.deepEqual(await keysOf(''), ['plugininfo'])
        assert.deepEqual((await keysOf('&displayupdates')).sort(), ['last_check_for_updates', 'plugininfo', 'update_available'])
        assert.deepEqual((await keysOf('&displayupdates=0')).sort(), ['last_check_for_updates', 'plugininfo', 'update_available'])
        assert.deepEqual((await keysOf('&displayupdateslog=false')).sort(), ['plugininfo', 'update_log'])
        assert.deepEqual((await keysOf('&displayconfig=')).sort(), ['pluginconfig', 'plugininfo'])
        assert.deepEqual((await keysOf('&displayupdates&displayupdateslog&displayconfig')).sort(), ['last_check_for_updates', 'pluginconfig', 'plugininfo', 'update_available', 'update_log'])
        assert.deepEqual((await keysOf('&DisplayConfig&unknown=1')), ['plugininfo'])
      })

      it('describes the plugin with relative paths and the §4.9 types', async () => {
        const res = await call(s, '/plugin?plugin=block_xp&displayupdates&displayupdateslog&displayconfig')
        const info = assertOk(res).plugininfo
        assert.deepEqual(Object.keys(info), [
          'type', 'typerootdir', 'name', 'displayname', 'source', 'rootdir', 'versiondisk', 'versiondb', 'versionrequires',
          'pluginsupported', 'pluginincompatible', 'release', 'dependencies', 'instances', 'sortorder', 'supported', 'incompatible', 'component',
        ])
        assert.equal(info.component, 'block_xp')
        assert.equal(info.typerootdir, '/blocks')
        assert.equal(info.rootdir, '/blocks/xp')
        assert.equal(info.source, 'ext')
        assert.equal(typeof info.versiondb, 'string')
        assert.ok(Number.isInteger(info.versiondisk))
        assert.deepEqual(info.supported, info.pluginsupported)
        assert.ok(!Array.isArray(info.dependencies) && typeof info.dependencies === 'object')
        const env = testEnv()
        for (const dir of [env.moodleDirPg, env.moodleDirMysql, '/var/www/moodle']) {
          if (dir) assert.ok(!res.body.includes(dir), `absolute path ${dir} in the body`)
        }
        const forum = assertOk(await call(s, '/plugin?plugin=mod_forum')).plugininfo
        assert.equal(forum.source, 'std')
        assert.deepEqual(forum.dependencies, {})
      })

      it('masks settings whose names contain pass, secret, key, token or salt', async () => {
        const config = async (component: string) => assertOk(await call(s, `/plugin?plugin=${component}&displayconfig`), 200, component).pluginconfig as Row
        const moopanel = await config('local_moopanel')
        assert.equal(moopanel['apikey'], MASK)
        assert.equal(moopanel['moopanelurl'], 'http://127.0.0.1:8099')
        assert.equal(moopanel['apienabled'], '1')
        assert.equal(moopanel['version'], '2024081300')
        const res = await call(s, '/plugin?plugin=local_moopanel&displayconfig&displayupdates&displayupdateslog')
        assert.ok(!res.body.includes('fixture-moopanel-key'), 'the plugin key never leaves the service')

        const authDb = await config('auth_db')
        for (const name of ['pass', 'passtype', 'fieldpass', 'changepasswordurl']) assert.equal(authDb[name], MASK, `auth_db ${name}`)
        assert.equal(authDb['host'], '127.0.0.1')
        assert.equal(authDb['type'], 'mysqli')
        assert.equal(authDb['user'], '')

        const lti = await config('mod_lti')
        assert.equal(lti['privatekey'], MASK)
        const union = await config('theme_boost_union')
        assert.equal(union['extscssgithubtoken'], MASK)
        const forum = await config('mod_forum')
        assert.equal(forum['version'], '2024100700')

        for (const component of ['local_moopanel', 'auth_db', 'mod_lti', 'enrol_lti', 'enrol_self', 'enrol_guest', 'theme_boost_union', 'auth_ldap', 'aiprovider_openai', 'cachestore_redis', 'block_tag_youtube', 'enrol_database', 'mod_lesson', 'quiz']) {
          const r = await call(s, `/plugin?plugin=${component}&displayconfig`)
          if (r.status === 400) continue // not a plugin component (settings stored under a legacy name)
          const cfg = assertOk(r, 200, component).pluginconfig as Row
          for (const [name, value] of Object.entries(cfg)) {
            assert.ok(value === null || typeof value === 'string', `${component}.${name}`)
            if (SECRET_NAME.test(name)) assert.equal(value, MASK, `${component}.${name} masked`)
          }
          assert.ok(!r.body.includes('BEGIN PRIVATE KEY'), `${component}: private key leaked`)
        }
      })
    })

    describe('GET /plugins and GET /moodle_core', () => {
      it('lists installed plugins with every required key; flag keys only with flags', async () => {
        const bare = assertOk(await call(s, '/plugins'))
        assert.deepEqual(Object.keys(bare).sort(), ['last_check_for_updates', 'plugins'])
        assert.ok(bare.plugins.length > 400)
        for (const p of bare.plugins) {
          assert.deepEqual(Object.keys(p), ['plugin', 'plugintype', 'display_name', 'component', 'version', 'enabled', 'is_standard', 'has_updates', 'settings_section', 'directory'])
          assert.equal(typeof p.version, 'string')
          assert.equal(typeof p.enabled, 'boolean')
          assert.equal(p.component, `${p.plugintype}_${p.plugin}`)
        }
        const flagged = assertOk(await call(s, '/plugins?displayupdates=0&displayupdateslog=no'))
        for (const p of flagged.plugins) {
          assert.ok(Array.isArray(p.update_available) && Array.isArray(p.update_log), p.component)
          for (const row of p.update_log) assert.ok(!row.info.includes('Starting') && !row.info.includes('savepoint reached'))
        }
        assert.deepEqual(assertOk(await call(s, '/plugins/anything?x=1')), bare, 'GET ignores sub-paths')
      })

      it('answers /moodle_core with core-only update entries of a known type', async () => {
        const body = assertOk(await call(s, '/moodle_core'))
        assert.deepEqual(Object.keys(body).sort(), ['current_release', 'current_version', 'last_check_for_updates', 'update_available', 'update_log'])
        for (const u of body.update_available) {
          assert.equal(u.compotent, 'core')
          assert.equal(u.component, 'core')
          assert.ok(['core-mega', 'core-major', 'core-minor'].includes(u.type))
          assert.ok([50, 100, 150, 200].includes(u.maturity))
          assert.equal(typeof u.version, 'string')
        }
        for (const row of body.update_log) assert.equal(row.plugin, 'core')
      })
    })

    describe('GET /tasks/check', () => {
      const UNKNOWN = { status: 4, error: 'There is no log data for selected task.' }

      it('answers 400 "No task id specified." when id is missing, empty or 0', async () => {
        for (const query of ['', '?type=plugins_update', '?id=&type=plugins_update', '?id=0&type=plugins_update', '?id=0', '?type=']) {
          assertError(await call(s, `/tasks/check${query}`), 400, 'No task id specified.', query)
        }
      })

      it('answers 400 "No task type specified." when type is missing or empty', async () => {
        for (const query of ['?id=42', '?id=42&type=', '?id=abc', '?id=-1&type=']) {
          assertError(await call(s, `/tasks/check${query}`), 400, 'No task type specified.', query)
        }
      })

      it('answers status 4 for unknown jobs, ids that are not id values and unknown types', async () => {
        const queries = [
          'id=999999&type=backup_course_delete', 'id=1&type=plugins_update', 'id=2147483647&type=core_update', 'id=abc&type=plugins_update',
          'id=-5&type=core_update', 'id=1.5&type=core_update', 'id=99999999999&type=core_update', 'id=2147483648&type=backup_course',
          'id=1&type=nonsense', 'id=1&type=PLUGINS_UPDATE', "id=1%20OR%201=1&type=core_update", 'id=1&type=%27%3B--',
        ]
        for (const query of queries) {
          const res = await call(s, `/tasks/check?${query}`)
          assert.deepEqual(assertOk(res, 200, query), UNKNOWN, query)
          assert.deepEqual(Object.keys(res.json), ['status', 'error'])
        }
        for (const type of ['plugins_update', 'plugins_install_zip', 'core_update', 'admin_presets_create', 'backup_course', 'backup_course_restore', 'backup_course_delete']) {
          assert.deepEqual(assertOk(await call(s, `/tasks/check?id=123456&type=${type}`)), UNKNOWN, type)
        }
      })
    })

    describe('GET /backups, /courses, / and /dashboard', () => {
      it('answers /backups with an empty list', async () => {
        const res = await call(s, '/backups')
        assertOk(res)
        assert.equal(res.body, '{"backups_in_progress":[]}')
      })

      it('answers /courses with counts, and lists only with their flags', async () => {
        assert.deepEqual(assertOk(await call(s, '/courses')), { number_of_categories: 18, number_of_courses: 38 })
        const cats = assertOk(await call(s, '/courses?displaycategories=0'))
        assert.deepEqual(Object.keys(cats), ['number_of_categories', 'number_of_courses', 'categories'])
        assert.equal(cats.categories.length, 18)
        const all = assertOk(await call(s, '/courses?displaycategories&displaycourses'))
        const catIds = new Set(all.categories.map((c: any) => c.id))
        for (const c of all.courses) {
          assert.ok(Number.isInteger(c.id) && Number.isInteger(c.category) && typeof c.name === 'string')
          assert.ok(catIds.has(c.category), `course ${c.id} in a listed category`)
        }
        for (let i = 1; i < all.categories.length; i++) {
          const [a, b] = [all.categories[i - 1], all.categories[i]]
          assert.ok(a.sort < b.sort || (a.sort === b.sort && a.id < b.id), 'categories by sortorder, then id')
        }
        for (let i = 1; i < all.courses.length; i++) assert.ok(all.courses[i - 1].id < all.courses[i].id, 'courses by id')
        assert.ok(!all.courses.some((c: any) => c.id === 1), 'front page not listed')
      })

      it('answers / and /dashboard with the site identity', async () => {
        const root = assertOk(await call(s, '/'))
        assert.deepEqual(Object.keys(root), ['url', 'site_fullname', 'logo', 'theme', 'moodle_version'])
        assert.ok(!root.url.endsWith('/'))
        assert.equal(root.theme, 'boost')
        assert.equal(root.moodle_version, '4.5.6 (Build: 20250811)')
        const dash = assertOk(await call(s, '/dashboard'))
        assert.deepEqual(Object.keys(dash), ['url', 'site_fullname', 'site_shortname', 'logo', 'logocompact', 'theme', 'moodle_version'])
        assert.equal(dash.site_fullname, root.site_fullname)
        assert.equal(dash.site_shortname, db === 'pgsql' ? 'moodlelab' : 'moodlelabmaria')
      })
    })
  })
}

describe('GET /plugin with expose_secret_settings: true', () => {
  let s: FixtureService
  before(async () => {
    s = await startFixtureService('pgsql', { expose_secret_settings: true })
  })
  after(async () => {
    await closeService(s)
  })

  it('does not mask secret-looking settings', async () => {
    const cfg = assertOk(await call(s, '/plugin?plugin=local_moopanel&displayconfig')).pluginconfig
    assert.equal(cfg.apikey, 'fixture-moopanel-key')
    assert.equal(assertOk(await call(s, '/plugin?plugin=auth_db&displayconfig')).pluginconfig.passtype, 'plaintext')
  })
})

describe('/api_key_status (timezone UTC)', () => {
  let s: FixtureService
  before(async () => {
    s = await startFixtureService('pgsql', { timezone: 'UTC' })
  })
  after(async () => {
    await closeService(s)
  })

  const post = (body: string) => call(s, '/api_key_status', { method: 'POST', payload: body, headers: { 'content-type': 'application/json' } })
  const status = async () => assertOk(await call(s, '/api_key_status')).key_expiration_date as string
  const reset = async () => assert.equal((await post('{"data":{"key_expiration_date":null}}')).status, 201)

  it('answers "permanent" when no expiry is recorded', async () => {
    const res = await call(s, '/api_key_status')
    assertOk(res)
    assert.equal(res.body, '{"key_expiration_date":"permanent"}')
  })

  it('records a timestamp with 201 and formats it as MM/DD/YYYY HH:MM:SS (B.3)', async () => {
    const res = await post('{"data":{"key_expiration_date":1798761600}}')
    assert.deepEqual(assertOk(res, 201), { status: true, key_expiration_date: 1798761600 })
    assert.equal(await status(), '01/01/2027 00:00:00')
    assert.deepEqual(assertOk(await post('{"data":{"key_expiration_date":1814447109}}'), 201), { status: true, key_expiration_date: 1814447109 })
    assert.equal(await status(), '07/01/2027 13:05:09', '24-hour clock, zero-padded')
  })

  it('accepts a digit string and answers the stored integer', async () => {
    const res = await post('{"data":{"key_expiration_date":"1798761601"}}')
    assert.deepEqual(assertOk(res, 201), { status: true, key_expiration_date: 1798761601 })
    assert.equal(await status(), '01/01/2027 00:00:01')
  })

  it('treats null, 0, false and "" as permanent', async () => {
    for (const value of ['null', '0', 'false', '""']) {
      assert.equal((await post('{"data":{"key_expiration_date":1798761600}}')).status, 201)
      assert.notEqual(await status(), 'permanent')
      const res = await post(`{"data":{"key_expiration_date":${value}}}`)
      assert.deepEqual(assertOk(res, 201, value), { status: true, key_expiration_date: 'permanent' }, value)
      assert.equal(await status(), 'permanent', value)
    }
  })

  it('answers 400 "Missing API key expiration_date" without the key', async () => {
    for (const body of ['{"data":{}}', '{}', '', '{"data":null}', '{"key_expiration_date":1798761600}', '{"data":{"key_expiration":1798761600}}', '{"data":{"Key_Expiration_Date":1}}']) {
      assertError(await post(body), 400, 'Missing API key expiration_date', body)
    }
  })

  it('answers 400 "Invalid API key expiration_date" for any other value and keeps the record', async () => {
    assert.equal((await post('{"data":{"key_expiration_date":1798761600}}')).status, 201)
    const invalid = [
      '-1', '1.5', '-0.5', '"12a"', 'true', '{}', '[]', '[1798761600]', '{"t":1}', '" 1798761600"', '"1798761600 "', '"-5"', '"+5"',
      '"1.5"', '"1e10"', '1e400', '9007199254740992', '"9007199254740992"', '"99999999999999999999"', '"abc"', '"0x10"', '"\u0661\u0662"',
    ]
    for (const value of invalid) {
      assertError(await post(`{"data":{"key_expiration_date":${value}}}`), 400, 'Invalid API key expiration_date', value)
      assert.equal(await status(), '01/01/2027 00:00:00', `${value} left the record alone`)
    }
    await reset()
  })

  it('accepts the largest timestamp and can still report it', async () => {
    const res = await post('{"data":{"key_expiration_date":9007199254740991}}')
    assert.deepEqual(assertOk(res, 201), { status: true, key_expiration_date: 9007199254740991 })
    const get = await call(s, '/api_key_status')
    await reset()
    assert.equal(get.status, 200, `GET /api_key_status after storing 9007199254740991: ${get.body}`)
    assert.equal(typeof get.json.key_expiration_date, 'string')
    assert.notEqual(get.json.key_expiration_date, 'permanent')
  })

  it('accepts a timestamp beyond the JavaScript Date range and can still report it', async () => {
    const res = await post('{"data":{"key_expiration_date":"8640000000001"}}')
    assert.deepEqual(assertOk(res, 201), { status: true, key_expiration_date: 8640000000001 })
    const get = await call(s, '/api_key_status')
    await reset()
    assert.equal(get.status, 200, `GET /api_key_status after storing 8640000000001: ${get.body}`)
  })
})

describe('/api_key_status in other time zones', () => {
  let ny: FixtureService
  let moodleZone: FixtureService
  before(async () => {
    ny = await startFixtureService('pgsql', { timezone: 'America/New_York' })
    moodleZone = await startFixtureService('pgsql')
  })
  after(async () => {
    await closeService(ny)
    await closeService(moodleZone)
  })

  const setAndGet = async (s: FixtureService, t: number) => {
    const res = await call(s, '/api_key_status', { method: 'POST', payload: JSON.stringify({ data: { key_expiration_date: t } }) })
    assert.equal(res.status, 201)
    return assertOk(await call(s, '/api_key_status')).key_expiration_date
  }

  it('formats in the configured zone', async () => {
    assert.equal(await setAndGet(ny, 1814400000), '06/30/2027 20:00:00')
    assert.equal(await setAndGet(ny, 1798761600), '12/31/2026 19:00:00')
  })

  it("defaults to Moodle's time zone setting (Europe/London on the fixture)", async () => {
    assert.equal(await setAndGet(moodleZone, 1814400000), '07/01/2027 01:00:00')
    assert.equal(await setAndGet(moodleZone, 1798761600), '01/01/2027 00:00:00')
  })
})
