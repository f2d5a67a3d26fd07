/** Extensions, start-up checks and the switch sources (items-api.md §2.2, §14.4, §15; §18 items 1, 16, 17). */
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Kysely } from 'kysely'
import { defineExtension, defineRoute, NotFoundError, type Extension } from '../src/items/index.ts'
import { startItemsService, type ItemsService } from './support/items-env.ts'
import { testEnv } from './support/test-env.ts'

const summary = defineRoute<{ id: number }, unknown, unknown>({
  method: 'GET',
  path: '/ecommerce/products/{id}/summary',
  operationId: 'ecommerceProductSummary',
  summary: 'Price and course count of one product',
  request: { params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } } },
  responses: { 200: { description: 'The summary', data: { type: 'object', required: ['id', 'price'], properties: { id: { type: 'integer' }, price: { type: 'number' }, courses: { type: 'integer' } } } } },
  async handler(request, ctx) {
    const product = await ctx.items.get(request.params.id, { type: 'product' })
    if (!product) throw new NotFoundError()
    const courseids = (product.metadata.courseids as number[] | undefined) ?? []
    return { data: { id: product.id, price: product.metadata.price as number, courses: courseids.length, secret: 'dropped' } }
  },
})

const ecommerce = defineExtension({
  name: 'ecommerce',
  capability: 'moodle/site:config',
  itemTypes: [
    {
      name: 'product',
      coreFields: { fullname: { maxLength: 255 }, idnumber: {}, status: { enum: ['draft', 'published'] } },
      required: ['fullname', 'idnumber'],
      uniqueIdnumber: true,
      metadata: {
        type: 'object', additionalProperties: false, required: ['price'],
        properties: {
          price: { type: 'number', minimum: 0 },
          currency: { type: 'string', pattern: '^[A-Z]{3}$', default: 'EUR' },
          courseids: { type: 'array', items: { type: 'integer', 'x-moodle-ref': 'course' }, uniqueItems: true },
        },
      },
      validate(candidate, ctx) {
        if (candidate.next.status === 'published' && !candidate.next.metadata.courseids) return { 'metadata.courseids': [ctx.message('required', 'metadata.courseids')] }
      },
    },
  ],
  routes: [
    summary,
    defineRoute({
      method: 'POST', path: '/ecommerce/echo', operationId: 'ecommerceEcho', summary: 'Echo',
      request: { body: { type: 'object', required: ['n'], properties: { n: { type: 'integer', maximum: 5 } } }, query: { type: 'object', properties: { x: { type: 'integer' } } } },
      responses: { 201: { description: 'Echoed', data: { type: 'object', properties: { n: { type: 'integer' }, x: {} } } } },
      async handler(request) {
        const body = request.body as { n: number }
        return { status: 201, data: { n: body.n, x: (request.query as { x?: number }).x ?? null } }
      },
    }),
    defineRoute({
      method: 'GET', path: '/ecommerce/public', operationId: 'ecommercePublic', summary: 'Public', auth: { public: true },
      responses: { 200: { description: 'Hello', data: { type: 'object', properties: { user: {}, denied: { type: 'integer' } } } } },
      async handler(_request, ctx) {
        let denied = 0
        await ctx.items.list({}).catch((e: { status: number }) => (denied = e.status))
        return { data: { user: ctx.user, denied } }
      },
    }),
    defineRoute({
      method: 'GET', path: '/ecommerce/undeclared', operationId: 'ecommerceUndeclared', summary: 'Bad status',
      responses: { 200: { description: 'Never' } },
      async handler() {
        return { status: 202, data: {} }
      },
    }),
    defineRoute({
      method: 'DELETE', path: '/ecommerce/nothing', operationId: 'ecommerceNothing', summary: 'Nothing', auth: { capability: ['moodle/site:config', 'moodle/course:view'] },
      responses: { 204: { description: 'Done' } },
      async handler() {
        return { status: 204 }
      },
    }),
  ],
})

describe('items extensions', () => {
  let s: ItemsService
  before(async () => {
    s = await startItemsService('pgsql', {}, { extensions: [ecommerce] })
  })
  after(async () => s?.close())

  it('registers extension types that behave like stored types, with the custom validator', async () => {
    const bad = await s.request('/api/v1/items', { method: 'POST', body: { type: 'product', fullname: 'P', idnumber: 'P1', status: 'published', metadata: { price: 3 } } })
    assert.deepEqual(bad.json.errors, { 'metadata.courseids': ['The metadata.courseids field is required.'] })
    const ok = await s.request('/api/v1/items', { method: 'POST', body: { type: 'product', fullname: 'P', idnumber: 'P1', metadata: { price: 3, courseids: [2, 3] } } })
    assert.equal(ok.status, 201, ok.body)
    assert.equal(ok.json.data.metadata.currency, 'EUR')
    const sum = await s.request(`/api/v1/ecommerce/products/${ok.json.data.id}/summary`)
    assert.deepEqual(sum.json, { success: true, data: { id: ok.json.data.id, price: 3, courses: 2 } })
    assert.equal((await s.request('/api/v1/ecommerce/products/999999/summary')).json.reason, 'item_not_found')
    const badParam = await s.request('/api/v1/ecommerce/products/abc/summary')
    assert.deepEqual([badParam.status, badParam.json.errors], [400, { id: ['The id field must be an integer.'] }])
  })

  it('validates bodies with 422, coerces queries, answers public routes and refuses undeclared statuses', async () => {
    const echo = await s.request('/api/v1/ecommerce/echo?x=4', { method: 'POST', body: { n: 2 } })
    assert.deepEqual([echo.status, echo.json.data], [201, { n: 2, x: 4 }])
    const invalid = await s.request('/api/v1/ecommerce/echo', { method: 'POST', body: { n: 9 } })
    assert.deepEqual([invalid.status, invalid.json.errors], [422, { n: ['The n field must not be greater than 5.'] }])
    assert.equal((await s.request('/api/v1/ecommerce/echo?x=a', { method: 'POST', body: { n: 1 } })).status, 400)
    assert.equal((await s.request('/api/v1/ecommerce/echo', { method: 'GET' })).status, 405)
    const pub = await s.request('/api/v1/ecommerce/public', { user: null })
    assert.deepEqual(pub.json, { success: true, data: { user: null, denied: 401 } })
    const undeclared = await s.request('/api/v1/ecommerce/undeclared')
    assert.deepEqual([undeclared.status, undeclared.json.reason], [500, 'server_error'])
    assert.equal((await s.request('/api/v1/ecommerce/nothing', { method: 'DELETE' })).status, 204)
    const denied = await s.request('/api/v1/ecommerce/nothing', { method: 'DELETE', user: 3 })
    assert.deepEqual([denied.status, denied.json.message], [403, 'Missing capability: moodle/site:config'])
  })

  it('appears in the OpenAPI document', async () => {
    const doc = (await s.request('/api/openapi.json')).json
    assert.equal(doc.paths['/ecommerce/products/{id}/summary'].get.operationId, 'ecommerceProductSummary')
    assert.deepEqual(doc.paths['/ecommerce/public'].get.security, [])
    assert.ok(doc.components.schemas.Item_product)
    assert.ok(doc.tags.some((t: { name: string }) => t.name === 'ecommerce'))
  })
})

describe('items start-up checks', () => {
  const fails = async (options: Record<string, unknown>, extensions: Extension[], pattern: RegExp) => {
    await assert.rejects(startItemsService('pgsql', options, { extensions }), pattern)
  }
  it('refuses duplicate names and invalid declarations, naming the source', async () => {
    await fails({ items_types: [{ name: 'company' }] }, [], /item type "company" is declared twice: built-in and configuration items_types\[0\]/)
    await fails({ items_types: [{ name: 'Bad' }] }, [], /must match/)
    await fails({ items_types: [{ name: 'x', coreFields: { fullname: { type: 'string' } } }] }, [], /keyword type is not allowed/)
    await fails({ items_types: [{ name: 'x', metadata: { type: 'object' } }] }, [], /additionalProperties explicitly/)
    await fails({ items_types: [{ name: 'x', metadata: { type: 'object', additionalProperties: false, properties: { a: { type: 'string', format: 'color' } } } }] }, [], /format color/)
    await fails({ items_types: [{ name: 'x', metadata: { type: 'object', additionalProperties: false, properties: { a: { anyOf: [] } } } }] }, [], /storage type/)
    await fails({ items_types: [{ name: 'x', parentTypes: ['course'] }] }, [], /not a stored type/)
    await fails({ items_types: [{ name: 'x', coreFields: { fullname: {} }, required: ['shortname'] }] }, [], /does not use/)
    await fails({}, [{ name: 'core' }], /reserved/)
    await fails({}, [{ name: 'shop' }, { name: 'shop' }], /declared twice/)
    await fails({}, [{ name: 'shop', routes: [{ ...summary, path: '/other/x' }] as never }], /must be \/shop/)
    await fails({}, [{ name: 'shop', routes: [{ ...summary, path: '/shop/x', operationId: 'listItems' }] as never }], /reserved/)
    await fails({}, [{ name: 'shop', itemTypes: [{ name: 'generic' }] }], /declared twice/)
    await fails({ items_type_files: ['/nonexistent/types.yaml'] }, [], /type file/)
  })

  it('loads type files and extension modules relative to the base directory', async () => {
    const dir = mkdtempSync(join(testEnv().tmpDir, 'items-ext-'))
    writeFileSync(join(dir, 'types.yaml'), '- name: memo\n  metadata: {type: object, additionalProperties: true}\n')
    writeFileSync(join(dir, 'ext.mjs'), "export default { name: 'memoext', itemTypes: [{ name: 'note' }] }\n")
    const s = await startItemsService('pgsql', { items_type_files: ['types.yaml'], items_extensions: ['./ext.mjs'] }, { baseDir: dir })
    try {
      assert.equal((await s.request('/api/v1/items', { method: 'POST', body: { type: 'memo', metadata: { a: 1 } } })).status, 201)
      assert.equal((await s.request('/api/v1/items', { method: 'POST', body: { type: 'note', fullname: 'x' } })).status, 201)
    } finally {
      await s.close()
    }
  })
})

describe('the enable switch from Moodle plugin settings', () => {
  it('reads local_middag when the option is unset, and the option wins when set', async () => {
    const s = await startItemsService('pglite', { mdg_core_api_enabled: undefined, items_settings_cache_s: 0 })
    const mdb = s.service.moodle.db as unknown as Kysely<any>
    try {
      assert.equal((await s.request('/api/v1/items')).json.reason, 'api_disabled')
      await mdb.insertInto('mdl_config_plugins').values({ plugin: 'local_middag', name: 'mdg_core_api_enabled', value: ' Yes ' }).execute()
      assert.equal((await s.request('/api/v1/items')).status, 200)
      await mdb.updateTable('mdl_config_plugins').set({ value: '0' }).where('plugin', '=', 'local_middag').execute()
      assert.equal((await s.request('/api/v1/items')).status, 403)
      await mdb.updateTable('mdl_config_plugins').set({ value: 'on' }).where('plugin', '=', 'local_middag').execute()
      await mdb.insertInto('mdl_config_plugins').values({ plugin: 'local_middag', name: 'mdg_core_api_openapi_public', value: '1' }).execute()
      assert.equal((await s.request('/api/openapi.json', { user: null })).status, 200)
      const off = await startItemsService('pglite', { mdg_core_api_enabled: false })
      try {
        assert.equal((await off.request('/api/v1/items')).status, 403)
      } finally {
        await off.close()
      }
    } finally {
      await mdb.deleteFrom('mdl_config_plugins').where('plugin', '=', 'local_middag').execute()
      await s.close()
    }
  })
})
