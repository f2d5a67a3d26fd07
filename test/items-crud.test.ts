/** CRUD of stored items over HTTP (items-api.md §8.1–§8.6, §11, §12, §18 items 7, 9, 11–13). */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ADMIN, itemsDbs, startItemsService, type ItemsService } from './support/items-env.ts'

for (const db of itemsDbs()) {
  describe(`items CRUD on ${db}`, () => {
    let s: ItemsService
    before(async () => {
      s = await startItemsService(db)
    })
    after(async () => s?.close())

    it('creates an item with defaults, Location and ETag, and reads it back', async () => {
      const res = await s.request('/api/v1/items', {
        method: 'POST',
        body: {
          type: 'course_group', fullname: 'Summer intake 2026', shortname: 'SUM26', idnumber: 'CG-2026-SUM',
          description: '<p>Courses</p>', descriptionformat: 1, metadata: { expiration: 1798761600, contextids: [1] },
          id: 999, version: 7, unknownkey: 'x',
        },
      })
      assert.equal(res.status, 201, res.body)
      const item = res.json.data
      assert.equal(res.json.success, true)
      assert.deepEqual(Object.keys(item), [
        'id', 'type', 'contextid', 'courseid', 'userid', 'parent', 'fullname', 'shortname', 'idnumber', 'description',
        'descriptionformat', 'status', 'visible', 'guid', 'sortorder', 'version', 'usermodified', 'timecreated', 'timemodified', 'metadata',
      ])
      assert.equal(item.status, 'draft')
      assert.equal(item.visible, 1)
      assert.equal(item.version, 1)
      assert.equal(item.usermodified, ADMIN)
      assert.match(item.guid, /^[0-9a-f-]{36}$/)
      assert.deepEqual(item.metadata, { contextids: [1], expiration: 1798761600 })
      assert.equal(res.headers.location, `/local/middag/index.php/api/v1/items/${item.id}`)
      assert.equal(res.headers.etag, `"${item.id}-1"`)
      assert.equal(res.headers['cache-control'], 'no-store')
      assert.ok(res.headers['x-request-id'])
      const got = await s.request(`/api/v1/items/${item.id}`)
      assert.equal(got.status, 200)
      assert.deepEqual(got.json, { success: true, data: item })
      assert.equal(got.headers.etag, `"${item.id}-1"`)
      const notModified = await s.request(`/api/v1/items/${item.id}`, { headers: { 'if-none-match': `W/"${item.id}-1"` } })
      assert.equal(notModified.status, 304)
      assert.equal(notModified.body, '')
      const meta = await s.request(`/api/v1/items/${item.id}/metadata`)
      assert.deepEqual(meta.json, { success: true, data: { contextids: [1], expiration: 1798761600 } })
    })

    it('updates partially, clears with null, leaves version alone on a no-op, and deletes', async () => {
      const created = (await s.request('/api/v1/items', { method: 'POST', body: { type: 'course_group', fullname: 'G', description: 'd', metadata: { expiration: 5 } } })).json.data
      const id = created.id
      const up = await s.request(`/api/v1/items/${id}`, {
        method: 'PUT', headers: { 'if-match': `"${id}-1"` }, body: { status: 'archived', description: null, metadata: { expiration: null } },
      })
      assert.equal(up.status, 200, up.body)
      assert.equal(up.json.data.version, 2)
      assert.equal(up.json.data.description, null)
      assert.equal(up.json.data.status, 'archived')
      assert.deepEqual(up.json.data.metadata, {})
      assert.equal(up.headers.etag, `"${id}-2"`)
      const noop = await s.request(`/api/v1/items/${id}`, { method: 'PATCH', body: { status: 'archived', type: 'course_group', guid: created.guid.toUpperCase() } })
      assert.equal(noop.status, 200, noop.body)
      assert.equal(noop.json.data.version, 2)
      const stale = await s.request(`/api/v1/items/${id}`, { method: 'PATCH', headers: { 'if-match': `"${id}-1"` }, body: { sortorder: 5 } })
      assert.equal(stale.status, 412)
      assert.equal(stale.headers.etag, `"${id}-2"`)
      assert.deepEqual(stale.json, { success: false, error: true, code: 412, reason: 'precondition_failed', message: 'The item has been modified since it was read.' })
      const cleared = await s.request(`/api/v1/items/${id}`, { method: 'PATCH', body: { fullname: null } })
      assert.equal(cleared.status, 422)
      assert.deepEqual(cleared.json.errors, { fullname: ['The fullname field is required.'] })
      const del = await s.request(`/api/v1/items/${id}`, { method: 'DELETE', headers: { prefer: 'return=minimal' } })
      assert.equal(del.status, 204)
      assert.equal(del.headers['preference-applied'], 'return=minimal')
      assert.equal((await s.request(`/api/v1/items/${id}`, { method: 'DELETE' })).status, 404)
      assert.equal((await s.request(`/api/v1/items/${id}`)).json.reason, 'item_not_found')
    })

    it('lists with meta, filters and fields', async () => {
      for (const n of [1, 2, 3]) await s.request('/api/v1/items', { method: 'POST', body: { type: 'company', fullname: `Co ${n}`, idnumber: `co-${n}-${db}`, metadata: { employees: n * 10, country: 'DE' } } })
      const res = await s.request(`/api/v1/items?type=company&filters=${encodeURIComponent('{"employees":{"_gte":20}}')}&sort=-fullname&fields=id,fullname,metadata.employees&perpage=1`)
      assert.equal(res.status, 200, res.body)
      assert.deepEqual(res.json.meta, { total: 2, page: 0, pages: 2, perpage: 1 })
      assert.deepEqual(res.json.data, [{ id: res.json.data[0].id, type: 'company', fullname: 'Co 3', metadata: { employees: 30 } }])
    })
  })
}
