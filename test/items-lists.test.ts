/** Lists: filters, sorting, field selection, pagination (items-api.md §8.1, §9; §18 item 10). */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { f, itemsDbs, startItemsService, type ItemsService } from './support/items-env.ts'

const TYPE = {
  name: 'gadget',
  capability: 'moodle/site:config',
  metadata: {
    type: 'object',
    additionalProperties: true,
    properties: {
      weight: { type: 'number' }, count: { type: 'integer' }, label: { type: 'string' }, on: { type: 'boolean' }, tags: { type: 'array' },
    },
  },
}

for (const db of itemsDbs()) {
  describe(`item lists on ${db}`, () => {
    let s: ItemsService
    const ids: Record<string, number> = {}
    const list = async (query: string) => {
      const res = await s.request(`/api/v1/items?${query}`)
      assert.equal(res.status, 200, `${query}: ${res.body}`)
      return res.json
    }
    const names = async (query: string) => (await list(`type=gadget&perpage=100&${query}`)).data.map((i: { shortname: string }) => i.shortname)
    before(async () => {
      s = await startItemsService(db, { items_types: [TYPE] })
      const rows = [
        { shortname: 'a', fullname: 'Zebra', sortorder: 2, courseid: null, metadata: { weight: 1.5, count: 3, label: 'x%y', on: true, tags: ['t'], free: 'str', n: 7 } },
        { shortname: 'b', fullname: 'apple', sortorder: 1, courseid: 2, metadata: { weight: 2, count: 10, label: 'L'.repeat(300), on: false, free: 5 } },
        { shortname: 'c', fullname: 'Äpfel', sortorder: 1, courseid: 3, metadata: { count: -4, label: 'abc', free: 5.5 } },
        { shortname: 'd', fullname: 'intake 2026', sortorder: 3, courseid: 2, metadata: { free: true } },
        { shortname: 'e', fullname: null, sortorder: 0, courseid: null, metadata: {} },
      ]
      for (const r of rows) {
        const res = await s.request('/api/v1/items', { method: 'POST', body: { type: 'gadget', ...r } })
        assert.equal(res.status, 201, res.body)
        ids[r.shortname] = res.json.data.id
      }
    })
    after(async () => s?.close())

    it('paginates 0-based with meta, perpage 100 and 101, pages beyond the end', async () => {
      const p = await list('type=gadget&perpage=2&page=1')
      assert.deepEqual(p.meta, { total: 5, page: 1, pages: 3, perpage: 2 })
      assert.equal(p.data.length, 2)
      assert.deepEqual((await list('type=gadget&page=9')).data, [])
      assert.deepEqual((await list(`type=gadget&filters=${f({ shortname: 'zzz' })}`)).meta, { total: 0, page: 0, pages: 1, perpage: 20 })
      assert.equal((await list('type=gadget&perpage=100')).meta.perpage, 100)
      const bad = await s.request('/api/v1/items?perpage=101&page=-1')
      assert.deepEqual(bad.json.errors, { page: ['The page field must be at least 0.'], perpage: ['The perpage field must not be greater than 100.'] })
      for (const v of ['2.0', '+2', ' 2', 'two', '']) {
        assert.deepEqual((await s.request(`/api/v1/items?page=${encodeURIComponent(v)}`)).json.errors, { page: ['The page field must be an integer.'] }, v)
      }
      assert.deepEqual((await s.request('/api/v1/items?perpage=0')).json.errors, { perpage: ['The perpage field must be at least 1.'] })
    })

    it('filters core fields with every operator, null-safe negations and coercion', async () => {
      assert.deepEqual(await names(`filters=${f({ courseid: 2 })}`), ['b', 'd'])
      assert.deepEqual(await names(`filters=${f({ courseid: '2' })}`), ['b', 'd'])
      assert.deepEqual(await names(`filters=${f({ courseid: { _neq: 2 } })}&sort=shortname`), ['a', 'c', 'e'])
      assert.deepEqual(await names(`filters=${f({ courseid: null })}&sort=shortname`), ['a', 'e'])
      assert.deepEqual(await names(`filters=${f({ courseid: { _nin: [2] } })}&sort=shortname`), ['a', 'c', 'e'])
      assert.deepEqual(await names(`filters=${f({ shortname: ['a', 'c'] })}&sort=shortname`), ['a', 'c'])
      assert.deepEqual(await names(`filters=${f({ sortorder: { _gte: 1, _lt: 3 } })}&sort=shortname`), ['a', 'b', 'c'])
      assert.deepEqual(await names(`filters=${f({ fullname: { _contains: 'take' } })}`), ['d'])
      assert.deepEqual(await names(`filters=${f({ fullname: { _null: false }, visible: 1 })}&sort=shortname`), ['a', 'b', 'c', 'd'])
      assert.deepEqual(await names(`filters=${f({ fullname: { _eq: null } })}`), ['e'])
      assert.deepEqual(await names(`filters=${f({ id: ids.c })}`), ['c'])
    })

    it('filters declared and undeclared metadata with exact, typed comparisons', async () => {
      assert.deepEqual(await names(`filters=${f({ count: { _gt: 0 } })}&sort=shortname`), ['a', 'b'])
      assert.deepEqual(await names(`filters=${f({ 'metadata.weight': { _lte: '1.5' } })}`), ['a'])
      assert.deepEqual(await names(`filters=${f({ label: { _contains: '%' } })}`), ['a'])
      assert.deepEqual(await names(`filters=${f({ label: 'L'.repeat(300) })}`), ['b'])
      assert.deepEqual(await names(`filters=${f({ label: 'L'.repeat(191) })}`), [])
      assert.deepEqual(await names(`filters=${f({ on: 'true' })}`), ['a'])
      assert.deepEqual(await names(`filters=${f({ on: { _neq: true } })}&sort=shortname`), ['b', 'c', 'd', 'e'])
      assert.deepEqual(await names(`filters=${f({ tags: { _null: false } })}`), ['a'])
      assert.deepEqual(await names(`filters=${f({ free: 5 })}`), ['b'])
      assert.deepEqual(await names(`filters=${f({ free: { _gt: 5 } })}&sort=shortname`), ['c'])
      assert.deepEqual(await names(`filters=${f({ free: { _lt: 5.6, _gt: 4.9 } })}&sort=shortname`), ['b', 'c'])
      assert.deepEqual(await names(`filters=${f({ free: 'str' })}`), ['a'])
      assert.deepEqual(await names(`filters=${f({ free: true })}`), ['d'])
      assert.deepEqual(await names(`filters=${f({ free: { _neq: 5 } })}&sort=shortname`), ['a', 'c', 'd', 'e'])
      assert.deepEqual(await names(`filters=${f({ n: { _in: [7, 'x'] } })}`), ['a'])
    })

    it('sorts by code point with nulls last in both directions and an id tie-breaker', async () => {
      assert.deepEqual(await names('sort=fullname'), ['a', 'b', 'd', 'c', 'e'])
      assert.deepEqual(await names('sort=-fullname'), ['c', 'd', 'b', 'a', 'e'])
      assert.deepEqual(await names('sort=count'), ['c', 'a', 'b', 'd', 'e'])
      assert.deepEqual(await names('sort=-metadata.count'), ['b', 'a', 'c', 'd', 'e'])
      assert.deepEqual(await names('sort=sortorder'), ['e', 'b', 'c', 'a', 'd'])
      assert.deepEqual(await names('sort=sortorder,-id'), ['e', 'c', 'b', 'a', 'd'])
      assert.deepEqual(await names(''), ['e', 'b', 'c', 'a', 'd'])
    })

    it('selects fields', async () => {
      const one = (await list(`type=gadget&filters=${f({ shortname: 'a' })}&fields=shortname,metadata.count,label,metadata.missing`)).data[0]
      assert.deepEqual(one, { id: ids.a, type: 'gadget', shortname: 'a', metadata: { count: 3, label: 'x%y' } })
      const plain = (await list(`type=gadget&filters=${f({ shortname: 'a' })}&fields=fullname`)).data[0]
      assert.deepEqual(plain, { id: ids.a, type: 'gadget', fullname: 'Zebra' })
      assert.equal(Object.keys((await list(`type=gadget&fields=*`)).data[0]).length, 20)
      const got = await s.request(`/api/v1/items/${ids.a}?fields=metadata,visible`)
      assert.deepEqual(Object.keys(got.json.data), ['id', 'type', 'visible', 'metadata'])
    })

    it('answers 400 listing every parameter problem', async () => {
      const bad = await s.request(`/api/v1/items?filters=${f({ colour: 1, expiration: 1, status: { _foo: 1 }, courseid: 'x', fullname: { _in: [] }, description: { _gt: 1 } })}&sort=a,b,c,d,e,f&fields=id,id`)
      assert.deepEqual(bad.json.errors, {
        fields: ['The fields field contains id more than once.'],
        'filters.colour': ['The filters.colour field requires the type parameter.'],
        'filters.courseid': ['The filters.courseid field must be an integer.'],
        'filters.description._gt': ['The filters.description._gt operator is not supported.'],
        'filters.expiration': ['The filters.expiration field requires the type parameter.'],
        'filters.fullname._in': ['The filters.fullname._in field must have at least 1 items.'],
        'filters.status._foo': ['The filters.status._foo operator is not supported.'],
        sort: ['The sort field must not have more than 5 items.'],
      })
      const typed = await s.request(`/api/v1/items?type=course_group&sort=colour,guid,-fullname,fullname&fields=nope&filters=${f({ contextids: 1 })}`)
      assert.deepEqual(typed.json.errors, {
        fields: ['The fields value nope is unknown.'],
        'filters.contextids': ['The filters.contextids operator is not supported.'],
        sort: ['The sort field colour is not sortable.', 'The sort field guid is not sortable.', 'The sort field contains fullname more than once.'],
      })
      assert.deepEqual((await s.request('/api/v1/items?filters=%7Bx')).json.errors, { filters: ['The filters field must be a valid JSON string.'] })
      assert.deepEqual((await s.request('/api/v1/items?filters=%5B1%5D')).json.errors, { filters: ['The filters field must be an object.'] })
      const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 1]))
      assert.deepEqual((await s.request(`/api/v1/items?type=generic&filters=${f(many)}`)).json.errors, { filters: ['The filters field must not have more than 20 keys.'] })
      const hundred = Array.from({ length: 101 }, (_, i) => i)
      assert.deepEqual((await s.request(`/api/v1/items?filters=${f({ id: hundred })}`)).json.errors, { 'filters.id': ['The filters.id field must not have more than 100 items.'] })
    })
  })
}
