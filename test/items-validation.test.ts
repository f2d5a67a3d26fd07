/** Validation and the message table (items-api.md §7.1, §7.2, §10; §18 items 8, 9, 13, 17). */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { startItemsService, type ItemsService } from './support/items-env.ts'

const TRAINING = {
  name: 'training_path',
  title: 'Training path',
  capability: 'moodle/site:config',
  coreFields: {
    fullname: { maxLength: 255 }, shortname: { minLength: 3, maxLength: 10 }, idnumber: {}, status: { enum: ['draft', 'published', 'retired'] },
    courseid: {}, contextid: {}, userid: {}, sortorder: { minimum: 0, maximum: 100, multipleOf: 5 }, visible: {},
  },
  required: ['fullname', 'idnumber'],
  uniqueIdnumber: true,
  metadata: {
    type: 'object',
    additionalProperties: false,
    required: ['hours'],
    properties: {
      hours: { type: 'integer', minimum: 1, maximum: 10000 },
      level: { type: 'string', enum: ['beginner', 'intermediate', 'advanced'], default: 'beginner' },
      courseids: { type: 'array', items: { type: 'integer', 'x-moodle-ref': 'course' }, uniqueItems: true, maxItems: 3, minItems: 1 },
      certificate_url: { type: 'string', format: 'uri' },
      start_date: { type: 'string', format: 'date' },
      end_date: { type: 'string', format: 'date' },
      email: { type: 'string', format: 'email' },
      ratio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      code: { type: 'string', pattern: '^[A-Z]+$', minLength: 2 },
      flag: { type: 'boolean' },
      at: { type: 'string', format: 'date-time' },
      t: { type: 'string', format: 'time' },
      ip: { type: 'string', format: 'ipv4' },
      host: { type: 'string', format: 'hostname' },
      u: { type: 'string', format: 'uuid' },
      tags: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 2 },
      choice: { anyOf: [{ type: 'string' }, { type: 'integer' }], type: 'string' },
    },
    dependentRequired: { end_date: ['start_date'] },
  },
}

describe('items validation', () => {
  let s: ItemsService
  const post = (body: unknown) => s.request('/api/v1/items', { method: 'POST', body })
  before(async () => {
    s = await startItemsService('pgsql', { items_types: [TRAINING] })
  })
  after(async () => s?.close())

  it('checks type first: required, string, registered', async () => {
    assert.deepEqual((await post({ fullname: 1 })).json, {
      success: false, error: true, code: 422, reason: 'validation_failed', message: 'The type field is required.',
      errors: { type: ['The type field is required.'] },
      violations: [{ field: 'type', rule: 'required', message: 'The type field is required.', params: {} }],
    })
    assert.equal((await post({ type: 5 })).json.message, 'The type field must be a string.')
    assert.equal((await post({ type: 'nope' })).json.message, 'The selected type is invalid.')
    const ro = await post({ type: 'course' })
    assert.deepEqual([ro.status, ro.json.reason, ro.headers.allow], [405, 'read_only_type', 'GET, HEAD, OPTIONS'])
    assert.equal(ro.json.message, 'Items of type course are read-only: they are Moodle records and can only be changed in Moodle.')
  })

  it('reproduces the example of §8.2 exactly', async () => {
    const res = await post({ type: 'course_group', fullname: 123, metadata: { expiration: 'soon', colour: 'red' } })
    assert.deepEqual(res.json, {
      success: false, error: true, code: 422, reason: 'validation_failed',
      message: 'The fullname field must be a string. (and 2 more errors)',
      errors: {
        fullname: ['The fullname field must be a string.'],
        'metadata.colour': ['The metadata.colour field is prohibited.'],
        'metadata.expiration': ['The metadata.expiration field must be an integer.'],
      },
      violations: [
        { field: 'fullname', rule: 'string', message: 'The fullname field must be a string.', params: {} },
        { field: 'metadata.colour', rule: 'prohibited', message: 'The metadata.colour field is prohibited.', params: {} },
        { field: 'metadata.expiration', rule: 'integer', message: 'The metadata.expiration field must be an integer.', params: {} },
      ],
    })
  })

  it('formats one message per rule of §10.3', async () => {
    const res = await post({
      type: 'training_path', fullname: 'x'.repeat(256), shortname: 'ab', idnumber: '', status: 'Bad', sortorder: 7, visible: 2,
      courseid: 0, description: 'not used', guid: 'nope',
      metadata: {
        hours: 0, level: 'expert', courseids: [1, 1, 2, 3], certificate_url: 'not a url', end_date: 'x', email: 'nobody', ratio: 1,
        code: 'a', flag: 'yes', at: 'yesterday', t: '25:00', ip: '1.2.3', host: '-bad-', u: 'x', tags: { a: 'x', b: 'y', c: 'z' }, choice: 5,
        'Bad-Key': 1, fullname: 'x', big: 1,
      },
    })
    assert.equal(res.status, 422)
    assert.deepEqual(res.json.errors, {
      courseid: ['The courseid field must be at least 1.'],
      description: ['The description field is prohibited.'],
      fullname: ['The fullname field must not be greater than 255 characters.'],
      guid: ['The guid field must be a valid UUID.'],
      idnumber: ['The idnumber field is required.'],
      'metadata.Bad-Key': ['The metadata.Bad-Key key is invalid.'],
      'metadata.at': ['The metadata.at field must be a valid date and time.'],
      'metadata.big': ['The metadata.big field is prohibited.'],
      'metadata.certificate_url': ['The metadata.certificate_url field must be a valid URL.'],
      'metadata.choice': ['The metadata.choice field must be a string.'],
      'metadata.code': ['The metadata.code field must be at least 2 characters.', 'The metadata.code field format is invalid.'],
      'metadata.courseids': ['The metadata.courseids field must not have more than 3 items.', 'The metadata.courseids field has a duplicate value.'],
      'metadata.email': ['The metadata.email field must be a valid email address.'],
      'metadata.end_date': ['The metadata.end_date field must be a valid date.'],
      'metadata.flag': ['The metadata.flag field must be true or false.'],
      'metadata.fullname': ['The metadata.fullname key is invalid.'],
      'metadata.host': ['The metadata.host field must be a valid hostname.'],
      'metadata.hours': ['The metadata.hours field must be at least 1.'],
      'metadata.ip': ['The metadata.ip field must be a valid IP address.'],
      'metadata.level': ['The selected metadata.level is invalid.'],
      'metadata.ratio': ['The metadata.ratio field must be less than 1.'],
      'metadata.start_date': ['The metadata.start_date field is required when metadata.end_date is present.'],
      'metadata.t': ['The metadata.t field must be a valid time.'],
      'metadata.tags': ['The metadata.tags field must not have more than 2 keys.'],
      'metadata.u': ['The metadata.u field must be a valid UUID.'],
      shortname: ['The shortname field must be at least 3 characters.'],
      sortorder: ['The sortorder field must be a multiple of 5.'],
      status: ['The selected status is invalid.', 'The status field format is invalid.'],
      visible: ['The selected visible is invalid.'],
    })
    const v = res.json.violations.find((x: { field: string }) => x.field === 'fullname')
    assert.deepEqual(v.params, { max: 255 })
    assert.match(res.json.message, /^The courseid field must be at least 1\. \(and \d+ more errors\)$/)
  })

  it('checks references, uniqueness and parents in stage 4 only after the schema passes', async () => {
    const ok = await post({ type: 'training_path', fullname: 'T', idnumber: 'TP-1', metadata: { hours: 3, courseids: [2] } })
    assert.equal(ok.status, 201, ok.body)
    assert.equal(ok.json.data.metadata.level, 'beginner')
    const refs = await post({ type: 'training_path', fullname: 'T', idnumber: 'TP-1', courseid: 999999, userid: 999999, contextid: 999999, metadata: { hours: 3, courseids: [2, 999999] } })
    assert.deepEqual(refs.json.errors, {
      contextid: ['The selected contextid is invalid.'],
      courseid: ['The selected courseid is invalid.'],
      idnumber: ['The idnumber has already been taken.'],
      'metadata.courseids.1': ['The selected metadata.courseids.1 is invalid.'],
      userid: ['The selected userid is invalid.'],
    })
    const guid = ok.json.data.guid
    assert.deepEqual((await post({ type: 'generic', guid: guid.toUpperCase() })).json.errors, { guid: ['The guid has already been taken.'] })
    const a = (await post({ type: 'company', fullname: 'A' })).json.data
    const b = (await post({ type: 'company', fullname: 'B', parent: a.id })).json.data
    const cycle = await s.request(`/api/v1/items/${a.id}`, { method: 'PATCH', body: { parent: b.id } })
    assert.deepEqual(cycle.json.errors, { parent: ['The parent field must not refer to the item itself or to one of its descendants.'] })
    assert.equal((await s.request(`/api/v1/items/${a.id}`, { method: 'PATCH', body: { parent: a.id } })).json.violations[0].rule, 'parent_cycle')
    const generic = (await post({ type: 'generic' })).json.data
    assert.deepEqual((await post({ type: 'company', fullname: 'C', parent: generic.id })).json.errors, { parent: ['The selected parent is invalid.'] })
    const busy = await s.request(`/api/v1/items/${a.id}`, { method: 'DELETE' })
    assert.deepEqual([busy.status, busy.json.reason], [409, 'item_has_children'])
  })

  it('applies the update rules of §8.4', async () => {
    const item = (await post({ type: 'training_path', fullname: 'U', idnumber: 'TP-U', metadata: { hours: 2 } })).json.data
    const patch = (body: unknown) => s.request(`/api/v1/items/${item.id}`, { method: 'PATCH', body })
    assert.deepEqual((await patch({ type: 'generic', guid: '00000000-0000-4000-8000-000000000000' })).json.errors, {
      guid: ['The guid field cannot be changed.'], type: ['The type field cannot be changed.'],
    })
    assert.deepEqual((await patch({ metadata: null })).json.errors, { metadata: ['The metadata field must be an object.'] })
    assert.deepEqual((await patch({ metadata: { hours: null } })).json.errors, { 'metadata.hours': ['The metadata.hours field is required.'] })
    assert.deepEqual((await patch({ status: null, idnumber: '' })).json.errors, { idnumber: ['The idnumber field is required.'], status: ['The status field must be a string.'] })
    assert.equal((await patch({ description: null, parent: null, id: 5, version: 99, timecreated: 1 })).json.data.version, 1)
    const up = await patch({ metadata: { hours: 5, flag: true, tags: { b: 'x', a: 'y' } }, sortorder: 10 })
    assert.equal(up.json.data.version, 2)
    assert.deepEqual(up.json.data.metadata, { flag: true, hours: 5, level: 'beginner', tags: { a: 'y', b: 'x' } })
  })

  it('writes one audit row per change, none for failures and no-ops', async () => {
    const item = (await post({ type: 'generic', fullname: 'Audited', metadata: { k: 1 } })).json.data
    await s.request(`/api/v1/items/${item.id}`, { method: 'PATCH', body: { fullname: 'Audited 2', metadata: { k: null, j: 'x' } } })
    await s.request(`/api/v1/items/${item.id}`, { method: 'PATCH', body: { fullname: 'Audited 2' } })
    await s.request(`/api/v1/items/${item.id}`, { method: 'PATCH', body: { sortorder: 'x' } })
    await s.request(`/api/v1/items/${item.id}`, { method: 'DELETE', headers: { 'x-request-id': 'req-del-1' } })
    const client = new pg.Client({ connectionString: s.stateUrl! })
    await client.connect()
    try {
      const rows = (await client.query('SELECT * FROM mb_item_audit WHERE itemid = $1 ORDER BY id', [item.id])).rows
      assert.deepEqual(rows.map((r) => [r.action, r.oldversion, r.newversion, r.authmethod, r.credentialref]), [
        ['create', null, 1, 'jwt', 'jwt:-'], ['update', 1, 2, 'jwt', 'jwt:-'], ['delete', 2, null, 'jwt', 'jwt:-'],
      ])
      assert.deepEqual(JSON.parse(rows[1].changes), {
        fullname: { old: 'Audited', new: 'Audited 2' }, 'metadata.j': { old: null, new: 'x' }, 'metadata.k': { old: 1, new: null },
      })
      assert.equal(rows[2].requestid, 'req-del-1')
      assert.equal(JSON.parse(rows[2].changes)['metadata.j'].old, 'x')
      const meta = await client.query('SELECT count(*)::int AS n FROM mb_itemmeta WHERE itemid = $1', [item.id])
      assert.equal(meta.rows[0].n, 0)
    } finally {
      await client.end()
    }
  })
})
