/** Contract fuzzing (items-api.md §18 item 18): generated requests never yield a 5xx and every reply matches the document. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { responseChecker, type ResponseCheck } from './support/items-openapi-check.ts'
import { itemsDbs, startItemsService, type ItemsService } from './support/items-env.ts'

const FIELDS = ['id', 'type', 'contextid', 'courseid', 'userid', 'parent', 'fullname', 'shortname', 'idnumber', 'description', 'descriptionformat',
  'status', 'visible', 'guid', 'sortorder', 'version', 'usermodified', 'timecreated', 'timemodified', 'metadata', 'expiration', 'contextids',
  'metadata.expiration', 'email', 'employees', 'category', 'startdate', 'username', 'password', 'x', '', '*', 'metadata.', 'a b']
const TYPES = ['generic', 'course_group', 'company', 'course', 'course_category', 'user', 'cohort', 'nope']
const OPS = ['_eq', '_neq', '_in', '_nin', '_lt', '_lte', '_gt', '_gte', '_contains', '_null', '_and', '_x']

const scalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.constantFrom('1', '-3', 'true', '2.5', '9007199254740993'))
const operand = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }), fc.dictionary(fc.constantFrom(...OPS), fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })), { maxKeys: 3 }))
const filters = fc.dictionary(fc.constantFrom(...FIELDS), operand, { maxKeys: 4 })
const list = fc.array(fc.tuple(fc.boolean(), fc.constantFrom(...FIELDS)), { maxLength: 6 }).map((xs) => xs.map(([d, n]) => `${d ? '-' : ''}${n}`).join(','))
const intText = fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), fc.constantFrom('', 'x', '2.0', '+1', '99999999999999999999'))
const query = fc.record(
  { type: fc.constantFrom(...TYPES), page: intText, perpage: intText, filters: fc.oneof(filters.map((x) => JSON.stringify(x)), fc.string({ maxLength: 10 })), sort: list, fields: list },
  { requiredKeys: [] },
)
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 3 })),
})).value
const body = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...TYPES), scalar),
    fullname: scalar, shortname: scalar, idnumber: scalar, status: fc.oneof(scalar, fc.constantFrom('draft', 'published')), visible: scalar,
    descriptionformat: scalar, sortorder: scalar, parent: scalar, contextid: scalar, courseid: scalar, userid: scalar, guid: scalar,
    metadata: fc.oneof(json, fc.dictionary(fc.constantFrom('expiration', 'contextids', 'email', 'employees', 'country', 'x', 'Bad', 'id'), json, { maxKeys: 4 })),
  },
  { requiredKeys: [] },
)

for (const db of itemsDbs()) {
  describe(`items contract fuzzing on ${db}`, () => {
    let s: ItemsService
    let check: ResponseCheck
    let ids: number[] = []
    before(async () => {
      s = await startItemsService(db)
      check = responseChecker((await s.request('/api/openapi.json')).json)
      for (const type of ['generic', 'company', 'course_group']) {
        ids.push((await s.request('/api/v1/items', { method: 'POST', body: { type, fullname: `seed ${type}`, metadata: {} } })).json.data.id)
      }
    })
    after(async () => s?.close())
    const runs = db === 'pglite' ? 60 : 200

    it('lists never fail with 5xx and match the document', async () => {
      await fc.assert(
        fc.asyncProperty(query, async (q) => {
          const qs = Object.entries(q).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&')
          const res = await s.request(`/api/v1/items?${qs}`)
          assert.ok(res.status < 500, `${qs} → ${res.status} ${res.body}`)
          assert.deepEqual(check('/items', 'GET', res.status, res.body), [], `${qs} → ${res.body.slice(0, 300)}`)
        }),
        { numRuns: runs },
      )
    })

    it('writes never fail with 5xx and match the document', async () => {
      await fc.assert(
        fc.asyncProperty(body, fc.constantFrom('POST', 'PUT', 'PATCH'), fc.nat(3), async (b, method, which) => {
          const url = method === 'POST' ? '/api/v1/items' : `/api/v1/items/${ids[which % ids.length]}${which === 3 ? '?type=course' : ''}`
          const res = await s.request(url, { method, body: b })
          assert.ok(res.status < 500, `${method} ${url} ${JSON.stringify(b)} → ${res.status} ${res.body}`)
          assert.deepEqual(check(method === 'POST' ? '/items' : '/items/{id}', method, res.status, res.body), [], `${JSON.stringify(b)} → ${res.body.slice(0, 300)}`)
        }),
        { numRuns: runs },
      )
    })
  })
}
