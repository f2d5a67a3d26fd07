/** The OpenAPI document (items-api.md §8.7, §16, §17, §18 item 15). */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Validator } from '@seriousme/openapi-schema-validator'
import { parse as parseYaml } from 'yaml'
import { responseChecker } from './support/items-openapi-check.ts'
import { startItemsService, type ItemsService } from './support/items-env.ts'
import { testEnv } from './support/test-env.ts'

const BIN = resolve(import.meta.dirname, '..', 'bin', 'moodle-bridge')

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, 'openapi', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => res({ code, stdout, stderr }))
  })
}

describe('the OpenAPI document', () => {
  let s: ItemsService
  let json: string
  let yaml: string
  before(async () => {
    s = await startItemsService('pgsql')
    json = (await s.request('/api/openapi.json')).body
    yaml = (await s.request('/api/openapi.yaml')).body
  })
  after(async () => s?.close())

  it('is valid OpenAPI 3.1 in both serialisations, and the YAML parses to the JSON', async () => {
    const doc = JSON.parse(json)
    const v1 = await new Validator().validate(doc)
    assert.equal(v1.valid, true, JSON.stringify(v1.errors)?.slice(0, 2000))
    const v2 = await new Validator().validate(yaml)
    assert.equal(v2.valid, true, JSON.stringify(v2.errors)?.slice(0, 2000))
    assert.deepEqual(parseYaml(yaml), doc)
    assert.equal(doc.openapi, '3.1.0')
    assert.equal(doc.servers[0].url, 'http://127.0.0.1:8081/local/middag/index.php/api/v1')
    for (const t of ['generic', 'course_group', 'company', 'course', 'course_category', 'user', 'cohort']) assert.ok(doc.components.schemas[`Item_${t}`], t)
    assert.deepEqual(Object.keys(doc.components.securitySchemes), ['bearerAuth', 'moodleSession', 'wsTokenHeader', 'wsTokenQuery'])
    assert.ok(json.endsWith('}\n') && yaml.endsWith('\n'))
  })

  it('has sorted keys everywhere and the documented headers', async () => {
    const check = (v: unknown, at: string) => {
      if (Array.isArray(v)) return v.forEach((x, i) => check(x, `${at}/${i}`))
      if (v && typeof v === 'object') {
        const keys = Object.keys(v)
        assert.deepEqual(keys, [...keys].sort(), at)
        for (const k of keys) check((v as Record<string, unknown>)[k], `${at}/${k}`)
      }
    }
    check(JSON.parse(json), '')
    const res = await s.request('/api/openapi.json')
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    assert.equal(res.headers['cache-control'], 'no-cache')
    assert.match(String(res.headers.etag), /^"sha256-[0-9a-f]{32}"$/)
    assert.equal((await s.request('/api/openapi.json', { headers: { 'if-none-match': String(res.headers.etag) } })).status, 304)
    const y = await s.request('/api/openapi.yaml')
    assert.equal(y.headers['content-type'], 'application/yaml; charset=utf-8')
    const anonymous = await s.request('/api/openapi.yaml', { user: null })
    assert.equal(anonymous.status, 401)
    assert.equal(anonymous.headers['content-type'], 'application/json; charset=utf-8')
    assert.equal(anonymous.json.reason, 'missing_credentials')
  })

  it('is what `moodle-bridge openapi` prints, byte for byte, and the CLI honours its options', async () => {
    const env = { MOODLE_BRIDGE_MOODLE_DIR: testEnv().moodleDirPg }
    const j = await cli(['--format=json'], env)
    assert.equal(j.code, 0, j.stderr)
    assert.equal(j.stdout, json)
    const y = await cli([], env)
    assert.equal(y.stdout, yaml)
    const dir = mkdtempSync(join(testEnv().tmpDir, 'openapi-'))
    const out = join(dir, 'doc.json')
    const dry = await cli(['--format', 'json', '--dry-run', '--out', out], env)
    assert.equal(dry.code, 0)
    assert.equal(existsSync(out), false)
    assert.match(dry.stderr, /^dry run: .*doc\.json would be created, \d+ bytes\n$/)
    assert.equal((await cli(['--format', 'json', '--out', out], env)).code, 0)
    assert.equal(readFileSync(out, 'utf8'), json)
    assert.match((await cli(['--format', 'json', '--dry-run', '--out', out], env)).stderr, /would be unchanged/)
    const custom = await cli(['--format', 'json', '--server-url', 'https://lms.example.org/x/api/v1'], env)
    assert.equal(JSON.parse(custom.stdout).servers[0].url, 'https://lms.example.org/x/api/v1')
    assert.equal((await cli(['--format', 'xml'], env)).code, 2)
    assert.equal((await cli(['--bogus'], env)).code, 2)
    assert.equal((await cli(['--server-url', 'ftp://x'], env)).code, 2)
    const bad = join(dir, 'bad.yaml')
    writeFileSync(bad, 'items_types:\n  - name: generic\n')
    const dup = await cli(['--config', bad], env)
    assert.equal(dup.code, 1)
    assert.match(dup.stderr, /item type "generic" is declared twice: built-in and configuration items_types\[0\]/)
  })

  it('documents every response the routes produce', async () => {
    const check = responseChecker(JSON.parse(json))
    const created = await s.request('/api/v1/items', { method: 'POST', body: { type: 'company', fullname: 'Acme', metadata: { employees: 3 } } })
    const id = created.json.data.id
    const calls: Array<[string, string, string, Parameters<typeof s.request>[1]?]> = [
      ['/items', 'POST', '/api/v1/items', { method: 'POST', body: { type: 'generic', metadata: { a: 1 } } }],
      ['/items', 'POST', '/api/v1/items', { method: 'POST', body: { type: 'company' } }],
      ['/items', 'POST', '/api/v1/items', { method: 'POST', body: { type: 'course' } }],
      ['/items', 'POST', '/api/v1/items', { method: 'POST', raw: '{', headers: { 'content-type': 'application/json' } }],
      ['/items', 'POST', '/api/v1/items', { method: 'POST', raw: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
      ['/items', 'GET', '/api/v1/items', {}],
      ['/items', 'GET', '/api/v1/items?type=course&perpage=2', {}],
      ['/items', 'GET', '/api/v1/items?type=user&perpage=2', {}],
      ['/items', 'GET', '/api/v1/items?type=cohort', {}],
      ['/items', 'GET', '/api/v1/items?type=course_category&fields=id,fullname', {}],
      ['/items', 'GET', '/api/v1/items?perpage=500', {}],
      ['/items', 'GET', '/api/v1/items', { user: null }],
      ['/items/{id}', 'GET', `/api/v1/items/${id}`, {}],
      ['/items/{id}', 'GET', `/api/v1/items/${id}?fields=fullname`, {}],
      ['/items/{id}', 'GET', '/api/v1/items/2?type=course', {}],
      ['/items/{id}', 'GET', '/api/v1/items/999999', {}],
      ['/items/{id}/metadata', 'GET', `/api/v1/items/${id}/metadata`, {}],
      ['/items/{id}', 'PATCH', `/api/v1/items/${id}`, { method: 'PATCH', body: { sortorder: 4 } }],
      ['/items/{id}', 'PUT', `/api/v1/items/${id}`, { method: 'PUT', body: { sortorder: 'x' } }],
      ['/items/{id}', 'PUT', `/api/v1/items/${id}`, { method: 'PUT', headers: { 'if-match': '"1-1"' }, body: {} }],
      ['/items/{id}', 'DELETE', `/api/v1/items/${id}?type=user`, { method: 'DELETE' }],
      ['/items/{id}', 'DELETE', `/api/v1/items/${id}`, { method: 'DELETE' }],
    ]
    for (const [path, method, url, init] of calls) {
      const res = await s.request(url, init)
      assert.ok(res.status < 500, `${method} ${url} → ${res.status}`)
      assert.deepEqual(check(path, method, res.status, res.body), [], `${method} ${url} → ${res.status} ${res.body.slice(0, 300)}`)
    }
  })
})
