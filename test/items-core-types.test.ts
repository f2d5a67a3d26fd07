/** Core-backed read-only types (items-api.md §7.5, §8.3; §18 item 14). */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Kysely } from 'kysely'
import { f, itemsDbs, startItemsService, type ItemsService } from './support/items-env.ts'

for (const db of itemsDbs()) {
  describe(`core-backed types on ${db}`, () => {
    let s: ItemsService
    let mdb: Kysely<any>
    before(async () => {
      s = await startItemsService(db)
      mdb = s.service.moodle.db as unknown as Kysely<any>
    })
    after(async () => s?.close())

    it('maps courses and leaves out the front page', async () => {
      const rows = await mdb.selectFrom('mdl_course').select(['id', 'category', 'fullname', 'shortname', 'summaryformat', 'startdate']).where('category', '<>', 0).orderBy('id').execute()
      const res = await s.request('/api/v1/items?type=course&sort=id&perpage=100')
      assert.equal(res.json.meta.total, rows.length)
      const first = res.json.data[0]
      const row = rows[0]!
      assert.equal(first.id, Number(row.id))
      assert.equal(first.courseid, Number(row.id))
      assert.equal(first.parent, Number(row.category))
      assert.equal(first.fullname, row.fullname)
      assert.equal(first.metadata.startdate, Number(row.startdate))
      assert.equal(first.version, null)
      assert.equal(first.guid, null)
      assert.equal(first.status, null)
      assert.equal(typeof first.contextid, 'number')
      assert.equal((await s.request('/api/v1/items/1?type=course')).status, 404)
      const one = await s.request(`/api/v1/items/${first.id}?type=course`)
      assert.equal(one.status, 200)
      assert.equal(one.headers.etag, undefined)
      assert.deepEqual(one.json.data, first)
      const meta = await s.request(`/api/v1/items/${first.id}/metadata?type=course`)
      assert.deepEqual(meta.json.data, first.metadata)
      const cat = await s.request(`/api/v1/items?type=course&filters=${f({ category: Number(row.category), format: { _null: false } })}&sort=-fullname&fields=id,fullname,metadata.startdate&perpage=2`)
      assert.equal(cat.status, 200)
      assert.deepEqual(Object.keys(cat.json.data[0]), ['id', 'type', 'fullname', 'metadata'])
      const guidFilter = await s.request(`/api/v1/items?type=course&filters=${f({ guid: { _null: true }, status: { _neq: 'x' } })}&perpage=1`)
      assert.equal(guidFilter.json.meta.total, rows.length)
    })

    it('never exposes credential columns and excludes deleted users', async () => {
      const active = await mdb.selectFrom('mdl_user').select(mdb.fn.countAll().as('n')).where('deleted', '=', 0).executeTakeFirst()
      const res = await s.request('/api/v1/items?type=user&perpage=100&sort=-metadata.lastaccess')
      assert.equal(res.json.meta.total, Number(active!.n))
      assert.doesNotMatch(res.body, /"(password|secret|lastip)"/)
      const admin = await s.request('/api/v1/items/2?type=user')
      assert.equal(admin.json.data.shortname, 'admin')
      assert.equal(admin.json.data.userid, 2)
      assert.deepEqual(Object.keys(admin.json.data.metadata).sort(), ['auth', 'city', 'confirmed', 'country', 'department', 'email', 'firstaccess', 'firstname', 'institution', 'lang', 'lastaccess', 'lastlogin', 'lastname', 'mnethostid', 'suspended', 'timezone', 'username'])
      for (const bad of ['password', 'secret', 'lastip', 'metadata.password']) {
        assert.equal((await s.request(`/api/v1/items?type=user&filters=${f({ [bad]: 'x' })}`)).status, 400, bad)
        assert.equal((await s.request(`/api/v1/items?type=user&sort=${bad}`)).status, 400, bad)
        assert.equal((await s.request(`/api/v1/items?type=user&fields=${bad}`)).status, 400, bad)
      }
      const deleted = await mdb.selectFrom('mdl_user').select('id').where('deleted', '=', 1).executeTakeFirst()
      if (deleted) assert.equal((await s.request(`/api/v1/items/${deleted.id}?type=user`)).status, 404)
      const named = await s.request(`/api/v1/items?type=user&filters=${f({ username: 'admin' })}&fields=fullname`)
      assert.equal(named.json.meta.total, 1)
    })

    it('maps categories and cohorts', async () => {
      const cats = await s.request('/api/v1/items?type=course_category&sort=id')
      assert.equal(cats.status, 200)
      const top = cats.json.data.find((c: { metadata: { depth: number } }) => c.metadata.depth === 1)
      assert.equal(top.parent, null)
      assert.equal(typeof top.metadata.path, 'string')
      const cohorts = await s.request('/api/v1/items?type=cohort')
      assert.equal(cohorts.status, 200)
      for (const c of cohorts.json.data) assert.deepEqual(Object.keys(c.metadata).filter((k) => !['component', 'theme'].includes(k)), [])
    })

    it('answers 405 read_only_type to every write', async () => {
      for (const [method, path] of [['PUT', '/api/v1/items/2?type=course'], ['PATCH', '/api/v1/items/2?type=user'], ['DELETE', '/api/v1/items/2?type=cohort']] as const) {
        const res = await s.request(path, { method, body: method === 'DELETE' ? undefined : { fullname: 'x' } })
        assert.deepEqual([res.status, res.json.reason, res.headers.allow], [405, 'read_only_type', 'GET, HEAD, OPTIONS'], `${method} ${path}`)
      }
    })
  })
}
