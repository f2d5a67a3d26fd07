/** The Items route table: path rules and the Allow list come from the declared routes (items-api.md §4.2, §8.8). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { allowedMethods, BUILTIN_ROUTES, fastifyPath, matchPath } from './route-table.ts'

const route = (method: string, path: string) => BUILTIN_ROUTES.find((r) => r.method === method && r.path === path)!

describe('the Items route table', () => {
  it('declares every built-in operation once, with its Fastify path', () => {
    const ids = BUILTIN_ROUTES.flatMap((r) => (r.doc ? [r.doc.operationId] : []))
    assert.deepEqual(ids, ['listItems', 'createItem', 'getItem', 'updateItem', 'patchItem', 'deleteItem', 'getItemMetadata'])
    assert.equal(new Set(BUILTIN_ROUTES.map((r) => `${r.method} ${r.path}`)).size, BUILTIN_ROUTES.length)
    assert.equal(fastifyPath(route('GET', '/v1/items/{id}/metadata')), '/v1/items/:id/metadata')
  })

  it('matches item ids of §4.2 only, on the raw segment, one trailing slash ignored', () => {
    const item = route('GET', '/v1/items/{id}')
    assert.deepEqual(matchPath(item, '/v1/items/42'), { id: '42' })
    assert.deepEqual(matchPath(item, '/v1/items/42/'), { id: '42' })
    assert.deepEqual(matchPath(item, '/v1/items/9007199254740991'), { id: '9007199254740991' })
    for (const bad of ['/v1/items/0', '/v1/items/01', '/v1/items/%31', '/v1/items/1.5', '/v1/items/9007199254740992', '/v1/items/1//', '/v1/items/']) {
      assert.equal(matchPath(item, bad), null, bad)
    }
  })

  it('lists the methods of every route a path matches, HEAD with GET and OPTIONS always', () => {
    assert.deepEqual(allowedMethods(BUILTIN_ROUTES, '/v1/items/'), ['GET', 'HEAD', 'POST', 'OPTIONS'])
    assert.deepEqual(allowedMethods(BUILTIN_ROUTES, '/v1/items/7'), ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
    assert.deepEqual(allowedMethods(BUILTIN_ROUTES, '/docs/init.js'), ['GET', 'HEAD', 'OPTIONS'])
    assert.equal(allowedMethods(BUILTIN_ROUTES, '/docs/a/b'), null)
    assert.equal(allowedMethods(BUILTIN_ROUTES, '/v2/items'), null)
  })
})
