/**
 * The management API's OpenAPI document (moopanel-api.md §7.1, issue #11 point 3): valid OpenAPI
 * 3.1, generated from the route table, served behind the key under any prefix, printed by the CLI
 * byte for byte as served. That every wire-test answer matches it is checked by the request
 * helpers themselves (test/support/moopanel-openapi-check.ts).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Validator } from '@seriousme/openapi-schema-validator'
import { parse as parseYaml } from 'yaml'
import { ROUTES } from '../src/moopanel/route-table.ts'
import { documentProblems } from './support/moopanel-openapi-check.ts'
import { assertError, call, injectRaw, ROUTE } from './support/moopanel-http.ts'
import { startFixtureService, type FixtureService } from './support/start-fixture-service.ts'

const BIN = resolve(import.meta.dirname, '..', 'bin', 'moodle-bridge')

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, 'openapi', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => res({ code, stdout, stderr }))
  })
}

/** Every object's keys in sorted order, at any depth. */
function unsortedAt(value: unknown, at = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => unsortedAt(v, `${at}/${i}`))
  if (value === null || typeof value !== 'object') return []
  const keys = Object.keys(value)
  const here = keys.join() === [...keys].sort().join() ? [] : [at || '/']
  return [...here, ...keys.flatMap((k) => unsortedAt((value as Record<string, unknown>)[k], `${at}/${k}`))]
}

describe('the management API OpenAPI document', () => {
  let s: FixtureService
  let json: string
  let yaml: string
  before(async () => {
    s = await startFixtureService('pgsql')
    const j = await call(s, '/openapi.json')
    const y = await call(s, '/openapi.yaml')
    assert.equal(j.status, 200)
    assert.equal(y.status, 200)
    assert.equal(j.headers['content-type'], 'application/json; charset=utf-8')
    assert.equal(y.headers['content-type'], 'application/yaml; charset=utf-8')
    json = j.body
    yaml = y.body
  })
  after(async () => s?.close())

  it('is valid OpenAPI 3.1 as JSON and as YAML, the YAML parsing to the JSON, keys sorted', async () => {
    const doc = JSON.parse(json)
    const v1 = await new Validator().validate(doc)
    assert.equal(v1.valid, true, JSON.stringify(v1.errors)?.slice(0, 2000))
    const v2 = await new Validator().validate(yaml)
    assert.equal(v2.valid, true, JSON.stringify(v2.errors)?.slice(0, 2000))
    assert.deepEqual(parseYaml(yaml), doc)
    assert.equal(doc.openapi, '3.1.0')
    assert.deepEqual(unsortedAt(doc), [])
    assert.ok(json.endsWith('}\n') && yaml.endsWith('\n'))
    assert.ok(!/^\s*[&*][A-Za-z0-9]+\s*$/m.test(yaml), 'no YAML anchors or aliases')
  })

  it('describes every route of the table, the X-API-KEY scheme and the callbacks as webhooks', () => {
    const doc = JSON.parse(json)
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    )
    for (const r of ROUTES) {
      const path = r.subPath === '*' || r.subPath === '' ? `/${r.endpoint}` : `/${r.endpoint}/${r.subPath}`
      assert.ok(operations.includes(`${r.method} ${path}`), `${r.method} ${path}`)
    }
    assert.ok(operations.includes('GET /'))
    assert.ok(operations.includes('GET /openapi.json') && operations.includes('GET /openapi.yaml'))
    assert.equal(operations.length, ROUTES.length + 3)
    assert.deepEqual(doc.components.securitySchemes.apiKey, {
      description: doc.components.securitySchemes.apiKey.description, in: 'header', name: 'X-API-KEY', type: 'apiKey',
    })
    assert.deepEqual(doc.security, [{ apiKey: [] }])
    assert.deepEqual(Object.keys(doc.webhooks).sort(), [
      'adminPreset', 'backupCreated', 'coreUpdateFinished', 'deletionFinished', 'pluginUpdatesFinished', 'restoreFinished', 'zipInstallsFinished',
    ])
    assert.equal(doc.webhooks.adminPreset.post.requestBody.content['application/xml'].schema.type, 'string')
    // Endpoint-specific errors and the pipeline errors are declared per operation.
    const restore = doc.paths['/backups'].put.responses
    for (const status of ['200', '400', '401', '403', '413', '415', '423', '429', '500', '503']) assert.ok(restore[status], `PUT /backups ${status}`)
    assert.match(restore['400'].description, /Please provide valid Moodle course id\./)
    assert.equal(doc.paths['/users'].get.responses['413'], undefined, 'no body errors on GET')
    assert.ok(doc.paths['/api_key_status'].post.responses['201'])
  })

  it('is what the CLI prints, byte for byte, in both formats', async () => {
    const j = await cli(['--api', 'moopanel', '--format', 'json'])
    assert.equal(j.code, 0, j.stderr)
    assert.equal(j.stdout, json)
    const y = await cli(['--api', 'moopanel'])
    assert.equal(y.code, 0, y.stderr)
    assert.equal(y.stdout, yaml)
    const bad = await cli(['--api', 'nosuch'])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--api must be items or moopanel/)
  })

  it('is served behind the key, under any prefix, and only without a sub-path', async () => {
    assertError(await call(s, '/openapi.json', { key: null }), 401, 'Authorization key required.')
    assertError(await call(s, '/openapi.yaml', { key: 'wrong-key-0123456789abcdefghijklmnopqrstuvwxyz' }), 401, 'Authorization failed.')
    assert.equal((await injectRaw(s, `/moodle/${ROUTE}//openapi.json/`)).body, json)
    assertError(await call(s, '/openapi.json/x'), 404, "Endpoint 'openapi.json/x' not found.")
    assertError(await call(s, '/openapi.json', { method: 'POST' }), 405, 'Method not allowed.')
    assertError(await call(s, '/openapi'), 404, "Endpoint 'openapi' not found.")
  })

  it('lets the response check find undeclared statuses and bodies that do not match', () => {
    const url = `${ROUTE}/users/count`
    const type = 'application/json; charset=utf-8'
    assert.deepEqual(documentProblems('GET', url, 200, type, '{"number_of_users":3}'), [])
    assert.notDeepEqual(documentProblems('GET', url, 200, type, '{"number_of_users":"3"}'), [])
    assert.notDeepEqual(documentProblems('GET', url, 201, type, '{"number_of_users":3}'), [])
    assert.notDeepEqual(documentProblems('GET', url, 400, type, '{"error":"x","extra":1}'), [])
    assert.deepEqual(documentProblems('GET', `${ROUTE}/nosuch`, 404, type, '{"error":"Endpoint \'nosuch\' not found."}'), [])
    assert.notDeepEqual(documentProblems('GET', `${ROUTE}/nosuch`, 200, type, '{}'), [])
    assert.deepEqual(documentProblems('HEAD', `${ROUTE}/users/online/`, 405, type, ''), [])
  })
})
