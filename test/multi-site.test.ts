/**
 * Many sites behind one `bin/moodle-bridge serve --sites FILE` (issue #8 points 1, 2 and 6 in part):
 * fixture copies on PostgreSQL (and MariaDB when configured) routed by host and by prefix, a site
 * with its own key, a broken site that answers 503 for itself only, and the sites file changed
 * while the process runs (added, removed, refused when invalid).
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { TEST_KEY } from './support/start-fixture-service.ts'
import { createMysqlCopy, createPgCopy, mysqlOptions, testEnv, type DbCopy } from './support/test-env.ts'

const BIN = resolve(import.meta.dirname, '..', 'bin', 'moodle-bridge')
const OWN_KEY = 'site-b-own-key-0123456789abcdefghijklmnopqrstuvwxyz'

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => res(port))
    })
  })
}

async function renamePgSite(copy: DbCopy, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: copy.url })
  await client.connect()
  try {
    await client.query('UPDATE mdl_course SET fullname = $1 WHERE id = 1', [name])
  } finally {
    await client.end()
  }
}

async function renameMysqlSite(copy: DbCopy, name: string): Promise<void> {
  const conn = await mysql.createConnection(mysqlOptions(copy.url))
  try {
    await conn.query('UPDATE mdl_course SET fullname = ? WHERE id = 1', [name])
  } finally {
    await conn.end()
  }
}

describe('serve --sites: many sites in one process', () => {
  const env = testEnv()
  const dir = mkdtempSync(join(env.tmpDir, 'sites-'))
  const sitesFile = join(dir, 'sites.yaml')
  const copies: DbCopy[] = []
  let child: ChildProcess
  let port: number
  let output = ''
  let entries: Record<string, string>

  const get = (host: string, path: string, key: string | null = TEST_KEY) =>
    new Promise<{ status: number; body: string; json: Record<string, unknown> }>((res, rej) => {
      const req = request({ host: '127.0.0.1', port, path, headers: { host, ...(key ? { 'x-api-key': key } : {}) } }, (r) => {
        let body = ''
        r.setEncoding('utf8')
        r.on('data', (d) => (body += d))
        r.on('end', () => {
          let json: Record<string, unknown> = {}
          try {
            json = JSON.parse(body) as Record<string, unknown>
          } catch {
            // left empty: the assertion shows the body
          }
          res({ status: r.statusCode ?? 0, body, json })
        })
      })
      req.on('error', rej)
      req.end()
    })
  const writeSites = (...ids: string[]) => writeFileSync(sitesFile, `sites:\n${ids.map((id) => entries[id]).join('')}`)
  const until = async (check: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 20_000
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output.slice(-3000)}`)
      await sleep(100)
    }
  }

  before(async () => {
    // Every site's service tables live in one shared store (issue #8 point 3).
    const state = await createPgCopy('sites_state')
    copies.push(state)
    const a = await createPgCopy('sites_a')
    const b = await createPgCopy('sites_b')
    copies.push(a, b)
    await renamePgSite(a, 'Site A')
    await renamePgSite(b, 'Site B')
    entries = {
      a: `  - { id: a, moodle_dir: ${env.moodleDirPg}, hosts: [a.example.org], options: { db_name: ${a.name} } }\n`,
      b: `  - { id: b, moodle_dir: ${env.moodleDirPg}, hosts: [lms.example.org], path_prefix: /b, options: { db_name: ${b.name}, api_key: ${OWN_KEY} } }\n`,
      broken: `  - { id: broken, moodle_dir: ${env.moodleDirPg}, hosts: [broken.example.org], options: { db_name: no_such_database } }\n`,
    }
    if (env.mysqlUrl) {
      const m = await createMysqlCopy('sites_m')
      copies.push(m)
      await renameMysqlSite(m, 'Site M')
      entries.m = `  - { id: m, moodle_dir: ${env.moodleDirMysql}, hosts: [m.example.org], options: { db_name: ${m.name} } }\n`
    }
    const c = await createPgCopy('sites_c')
    copies.push(c)
    await renamePgSite(c, 'Site C')
    entries.c = `  - { id: c, moodle_dir: ${env.moodleDirPg}, hosts: [c.example.org], options: { db_name: ${c.name} } }\n`
    writeSites('a', 'b', 'broken', ...(env.mysqlUrl ? ['m'] : []))
    port = await freePort()
    child = spawn(process.execPath, [BIN, 'serve'], {
      env: {
        ...process.env,
        MOODLE_BRIDGE_SITES: sitesFile,
        MOODLE_BRIDGE_STATE_URL: state.url,
        MOODLE_BRIDGE_PORT: String(port),
        MOODLE_BRIDGE_API_KEY: TEST_KEY,
        MOODLE_BRIDGE_LOG_LEVEL: 'info',
        MOODLE_BRIDGE_LOG_FORMAT: 'json',
        MOODLE_BRIDGE_OPS_LISTEN: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout!.on('data', (d) => (output += d))
    child.stderr!.on('data', (d) => (output += d))
    await until(async () => {
      if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${output}`)
      return output.includes('"serving sites"')
    }, 'the listener')
  })
  after(async () => {
    if (child && child.exitCode === null) {
      const done = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await done
    }
    for (const copy of copies) await copy.drop()
  })

  it('routes by host and by prefix to each site, with its own database and key', async () => {
    const a = await get('a.example.org', '/local/moopanel/server.php/')
    assert.equal(a.status, 200, a.body)
    assert.equal(a.json.site_fullname, 'Site A')
    const b = await get('lms.example.org', '/b/local/moopanel/server.php/', OWN_KEY)
    assert.equal(b.status, 200, b.body)
    assert.equal(b.json.site_fullname, 'Site B')
    // Site b has its own key: the process's key is wrong there, and only there.
    assert.deepEqual((await get('lms.example.org', '/b/local/moopanel/server.php/')).json, { error: 'Authorization failed.' })
    assert.equal((await get('a.example.org', '/local/moopanel/server.php/users/count')).status, 200)
    if (entries.m) {
      const m = await get('m.example.org', '/local/moopanel/server.php/')
      assert.equal(m.status, 200, m.body)
      assert.equal(m.json.site_fullname, 'Site M')
    }
  })

  it('answers 404 for an unknown host or prefix, naming no other site', async () => {
    for (const [host, path] of [['other.example.org', '/local/moopanel/server.php/'], ['lms.example.org', '/local/moopanel/server.php/']]) {
      const res = await get(host!, path!)
      assert.equal(res.status, 404)
      assert.deepEqual(res.json, { error: 'Not found.' })
    }
    const items = await get('other.example.org', '/local/middag/index.php/api/v1/items')
    assert.equal(items.status, 404)
    assert.equal(items.json.success, false)
  })

  it('keeps a broken site to itself: 503 with Retry-After there, the others serve', async () => {
    const broken = await get('broken.example.org', '/local/moopanel/server.php/')
    assert.equal(broken.status, 503, broken.body)
    assert.deepEqual(broken.json, { error: 'Service Unavailable - try again later.' })
    assert.equal((await get('a.example.org', '/local/moopanel/server.php/')).status, 200)
    assert.match(output, /"site could not be opened"/)
    assert.ok(!output.includes(TEST_KEY), 'no key in the logs')
  })

  it('follows the sites file: a site added, one removed, an invalid file refused with the old sites kept', async () => {
    writeSites('a', 'c', 'broken', ...(entries.m ? ['m'] : []))
    await until(async () => (await get('c.example.org', '/local/moopanel/server.php/')).status === 200, 'site c')
    assert.equal((await get('c.example.org', '/local/moopanel/server.php/')).json.site_fullname, 'Site C')
    assert.equal((await get('lms.example.org', '/b/local/moopanel/server.php/', OWN_KEY)).status, 404)
    assert.equal((await get('a.example.org', '/local/moopanel/server.php/')).status, 200)
    writeFileSync(sitesFile, 'sites:\n  - { id: a, moodle_dir: relative }\n')
    await until(async () => output.includes('"sites file refused'), 'the refusal')
    assert.equal((await get('c.example.org', '/local/moopanel/server.php/')).status, 200, 'the old plan stays')
    // SIGHUP reads it again.
    writeFileSync(join(dir, 'next.yaml'), `sites:\n${entries.a}${entries.b}`)
    writeFileSync(sitesFile, `sites:\n${entries.a}${entries.b}`)
    child.kill('SIGHUP')
    await until(async () => (await get('lms.example.org', '/b/local/moopanel/server.php/', OWN_KEY)).status === 200, 'site b back')
    assert.equal((await get('c.example.org', '/local/moopanel/server.php/')).status, 404)
    assert.equal(child.exitCode, null)
  })
})
