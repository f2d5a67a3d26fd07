/**
 * The full /users list streams in one snapshot when it is long (more than 5 000 users here), and a
 * client that goes away mid-stream does not leak the snapshot's pooled connection.
 */
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { parseConfig } from '../src/config/index.ts'
import { createService, type Service } from '../src/service.ts'
import { buildTestMoodleDir } from './support/build-test-moodle-dir.ts'
import { createScratchPgDatabase, TEST_KEY } from './support/start-fixture-service.ts'
import { createPgCopy, testEnv, type DbCopy } from './support/test-env.ts'

const EXTRA_USERS = 9000

describe('streaming /users on a site with 12 000 users', () => {
  let copy: DbCopy
  let state: { url: string; drop: () => Promise<void> }
  let service: Service
  let base: string

  before(async () => {
    copy = await createPgCopy('users_stream')
    const client = new pg.Client({ connectionString: copy.url })
    await client.connect()
    await client.query(`INSERT INTO mdl_user (auth, confirmed, mnethostid, username, password, firstname, lastname, email, timecreated, timemodified)
      SELECT 'manual', 1, 1, 'bulk' || g, 'x', 'Bulk', 'Zz' || lpad(g::text, 5, '0'), 'bulk' || g || '@example.com', 0, 0
      FROM generate_series(1, ${EXTRA_USERS}) AS g`)
    await client.end()
    const url = new URL(copy.url)
    const dir = await buildTestMoodleDir({
      target: join(testEnv().tmpDir, `moodle-stream-${process.pid}`),
      dbtype: 'pgsql', wwwroot: 'http://127.0.0.1:8081',
      db: { host: url.hostname, port: Number(url.port), name: copy.name, user: 'postgres', pass: '' },
    })
    state = await createScratchPgDatabase(`mb_state_stream_${process.pid}`)
    // A pool of 3 makes a leaked connection show at once.
    service = await createService(parseConfig({ moodle_dir: dir.dir, api_key: TEST_KEY, state_url: state.url, log_level: 'silent', db_pool_size: 3 }))
    await service.app.listen({ host: '127.0.0.1', port: 0 })
    const address = service.app.server.address() as { port: number }
    base = `http://127.0.0.1:${address.port}/local/moopanel/server.php`
  })

  after(async () => {
    await service?.close()
    await state?.drop()
    await copy?.drop()
  })

  it('streams every user once, with number_of_users equal to the rows sent', async () => {
    const res = await fetch(`${base}/users?fields=id,lastname&sort=lastname%20DESC`, { headers: { 'x-api-key': TEST_KEY } })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-length'), null, 'a long list is streamed, not buffered')
    const body = (await res.json()) as { number_of_users: number; users: Array<{ id: string; lastname: string }> }
    assert.equal(body.number_of_users, 3001 + EXTRA_USERS)
    assert.equal(body.users.length, body.number_of_users)
    assert.equal(new Set(body.users.map((u) => u.id)).size, body.users.length)
    // C.UTF-8 collation: byte order, descending as asked, ties by id ascending.
    for (let i = 1; i < body.users.length; i++) {
      const a = body.users[i - 1]!
      const b = body.users[i]!
      const order = Buffer.compare(Buffer.from(a.lastname), Buffer.from(b.lastname))
      assert.ok(order > 0 || (order === 0 && Number(a.id) < Number(b.id)), `${a.lastname}/${a.id} before ${b.lastname}/${b.id}`)
    }
  })

  it('frees the snapshot when clients disconnect before or during the stream', async () => {
    for (let i = 0; i < 12; i++) {
      await new Promise<void>((resolve) => {
        const req = request(`${base}/users`, { headers: { 'x-api-key': TEST_KEY } }, (res) => {
          res.once('data', () => {
            req.destroy()
            resolve()
          })
        })
        req.on('error', () => resolve())
        if (i % 2 === 0) setTimeout(() => req.destroy(), 1)
        req.end()
      })
    }
    const started = Date.now()
    const res = await fetch(`${base}/users?fields=id&perpage=1`, { headers: { 'x-api-key': TEST_KEY }, signal: AbortSignal.timeout(15_000) })
    assert.equal(res.status, 200)
    assert.equal(((await res.json()) as { total_users: number }).total_users, 3001 + EXTRA_USERS)
    assert.ok(Date.now() - started < 15_000)
  })
})
