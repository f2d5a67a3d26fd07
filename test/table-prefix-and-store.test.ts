/**
 * Any table prefix, not only `mdl_`: the fixture's tables renamed to `moo_` answer exactly as
 * before. And the service's own store in Moodle's database (no state_url), on MariaDB, where its
 * migrations create `mb_` tables beside Moodle's.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { parseConfig } from '../src/config/index.ts'
import { createService, type Service } from '../src/service.ts'
import { buildTestMoodleDir } from './support/build-test-moodle-dir.ts'
import { createScratchPgDatabase, TEST_KEY } from './support/start-fixture-service.ts'
import { createMysqlCopy, createPgCopy, mysqlOptions, readExpected, testEnv, type DbCopy } from './support/test-env.ts'

const get = async (service: Service, path: string) =>
  (await service.app.inject({ url: `/local/moopanel/server.php${path}`, headers: { 'x-api-key': TEST_KEY } })).json()

describe('a site whose tables use the prefix moo_', () => {
  let copy: DbCopy
  let state: { url: string; drop: () => Promise<void> }
  let service: Service

  before(async () => {
    copy = await createPgCopy('prefix_moo')
    const client = new pg.Client({ connectionString: copy.url })
    await client.connect()
    await client.query(`DO $$ DECLARE t record; BEGIN
      FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'mdl\\_%' LOOP
        EXECUTE format('ALTER TABLE %I RENAME TO %I', t.tablename, 'moo_' || substr(t.tablename, 5));
      END LOOP; END $$`)
    await client.end()
    const url = new URL(copy.url)
    const site = await buildTestMoodleDir({
      target: join(testEnv().tmpDir, `moodle-moo-${process.pid}`), dbtype: 'pgsql', wwwroot: 'http://127.0.0.1:8081', prefix: 'moo_',
      db: { host: url.hostname, port: Number(url.port), name: copy.name, user: 'postgres', pass: '' },
    })
    state = await createScratchPgDatabase(`mb_state_moo_${process.pid}`)
    service = await createService(parseConfig({ moodle_dir: site.dir, api_key: TEST_KEY, state_url: state.url, log_level: 'silent' }))
  })

  after(async () => {
    await service?.close()
    await state?.drop()
    await copy?.drop()
  })

  it('answers the read endpoints as the mdl_ site does', async () => {
    assert.deepEqual(await get(service, ''), readExpected('root', 'pgsql'))
    assert.deepEqual(await get(service, '/users/count'), readExpected('users-count', 'pgsql'))
    const plugins = await get(service, '/plugins?displayupdates&displayupdateslog')
    const expected = readExpected<{ plugins: Array<{ component: string; update_log: unknown[] }> }>('plugins', 'pgsql')
    assert.deepEqual(plugins.plugins.map((p: { component: string }) => p.component), expected.plugins.map((p) => p.component))
    assert.deepEqual(plugins.plugins.map((p: { update_log: unknown[] }) => p.update_log), expected.plugins.map((p) => p.update_log))
    assert.equal((await get(service, '/courses')).number_of_courses, 38)
    assert.equal((await get(service, '/user?username=admin')).user.id, '2')
    assert.equal((await get(service, '/users/online?timeStart=0')).all_users, 3001)
  })
})

describe("the service's store inside Moodle's MariaDB database", { skip: !testEnv().mysqlUrl && 'MariaDB is not configured' }, () => {
  let copy: DbCopy
  let service: Service

  before(async () => {
    copy = await createMysqlCopy('store_in_moodle')
    const url = new URL(copy.url)
    const site = await buildTestMoodleDir({
      target: join(testEnv().tmpDir, `moodle-mystore-${process.pid}`), dbtype: 'mariadb', wwwroot: 'http://127.0.0.1:8082',
      db: { host: url.hostname, port: Number(url.port), name: copy.name, user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) },
    })
    service = await createService(parseConfig({ moodle_dir: site.dir, api_key: TEST_KEY, log_level: 'silent' }))
  })

  after(async () => {
    await service?.close()
    await copy?.drop()
  })

  it('creates its own mb_ tables beside Moodle, keeps the key fingerprint there, never the key', async () => {
    const posted = await service.app.inject({
      method: 'POST', url: '/local/moopanel/server.php/api_key_status', headers: { 'x-api-key': TEST_KEY, 'content-type': 'application/json' },
      payload: '{"data":{"key_expiration_date":1798761600}}',
    })
    assert.equal(posted.statusCode, 201)
    assert.deepEqual(await get(service, '/api_key_status'), { key_expiration_date: '01/01/2027 00:00:00' })
    const conn = await mysql.createConnection(mysqlOptions(copy.url, decodeURIComponent(new URL(copy.url).pathname.slice(1))))
    try {
      const [tables] = await conn.query<mysql.RowDataPacket[]>("SHOW TABLES LIKE 'mb\\_%'")
      assert.deepEqual(tables.map((t) => Object.values(t)[0]).sort(), [
        'mb_audit', 'mb_auth_failures', 'mb_course_backups', 'mb_idempotency', 'mb_item_audit', 'mb_itemmeta', 'mb_items', 'mb_jobs', 'mb_locks', 'mb_rate_counts', 'mb_settings',
      ])
      const [settings] = await conn.query<mysql.RowDataPacket[]>('SELECT name, value FROM mb_settings')
      assert.ok(!JSON.stringify(settings).includes(TEST_KEY), 'the plain key is not stored')
      const [audit] = await conn.query<mysql.RowDataPacket[]>('SELECT method, path, status, key_prefix, payload FROM mb_audit')
      assert.equal(audit.length, 1)
      assert.equal(audit[0]!['status'], 201)
      assert.equal(audit[0]!['path'], '/local/moopanel/server.php/api_key_status')
    } finally {
      await conn.end()
    }
    assert.deepEqual(await get(service, '/users/count'), { number_of_users: 3001 })
  })
})
