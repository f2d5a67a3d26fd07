/**
 * Site settings that decide access are honoured within 2 s of a change (issue #10 point 3), with
 * the default `items_settings_cache_s` (30): a running service over a writable copy of the fixture
 * (PostgreSQL, and MariaDB when MB_TEST_MYSQL_URL is set), answering real HTTP, while the test
 * changes `enablewebservices`, `maintenance_enabled`, `dbsessions` and the CLI maintenance file as
 * Moodle's admin pages and CLI do. And the settings are not read per request: 50 concurrent
 * requests cost at most a couple of settings reads.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseConfig } from '../src/config/index.ts'
import { authSettingsReadCount, SETTINGS_REFRESH_MS } from '../src/moodle/index.ts'
import { createService, type Service } from '../src/service.ts'
import { createCodeChangeSite, siteEngines, type CodeChangeSite } from './support/code-change-site.ts'
import { MOUNT } from './support/items-env.ts'
import { TEST_KEY } from './support/start-fixture-service.ts'

/** A fixture user with only the default role: not an administrator, no maintenance access. */
const PLAIN = 4
const ADMIN = 2
/** The promise under test. */
const WITHIN_MS = 2000

for (const engine of siteEngines()) {
  describe(`site settings followed within 2 s on ${engine}`, () => {
    let site: CodeChangeSite
    let service: Service
    let base: string
    let token: string

    /** Changes a Moodle setting as its admin page does; returns when the change was committed. */
    const setConfig = async (name: string, value: string): Promise<number> => {
      await site.query('UPDATE {config} SET value = ? WHERE name = ?', [value, name])
      return performance.now()
    }
    /** Status of an authenticated Items API request (the OpenAPI document: any signed-in user may read it). */
    const status = async (headers: Record<string, string> = { authorization: `Bearer ${token}` }) => {
      const res = await fetch(`${base}${MOUNT}/api/openapi.json`, { headers })
      await res.arrayBuffer()
      return res.status
    }
    /** Polls until the answer is `want`; returns how long after `since` that was (throws after 5 s). */
    const changedWithin = async (since: number, want: number, request: () => Promise<number> = () => status()): Promise<number> => {
      let last = 0
      while (performance.now() - since < 5000) {
        last = await request()
        if (last === want) return performance.now() - since
        await sleep(20)
      }
      assert.fail(`still ${last} (want ${want}) 5 s after the change`)
    }

    before(async () => {
      site = await createCodeChangeSite(engine, 'settings_follow')
      const now = Math.floor(Date.now() / 1000)
      await site.query(
        `INSERT INTO {external_services} (name, shortname, enabled, restrictedusers, requiredcapability, component, timecreated, timemodified, downloadfiles, uploadfiles)
         VALUES ('follow', 'follow', 1, 0, NULL, NULL, ?, NULL, 0, 0)`,
        [now],
      )
      const [svc] = await site.query(`SELECT id FROM {external_services} WHERE shortname = 'follow'`)
      token = randomBytes(16).toString('hex')
      await site.query(
        `INSERT INTO {external_tokens} (token, tokentype, userid, externalserviceid, contextid, creatorid, iprestriction, validuntil, timecreated, lastaccess, sid, privatetoken, name)
         VALUES (?, 0, ?, ?, 1, ?, NULL, 0, ?, NULL, NULL, NULL, 'follow')`,
        [token, PLAIN, Number(svc!['id']), ADMIN, now],
      )
      await setConfig('enablewebservices', '1')
      const config = parseConfig({
        moodle_dir: site.dir,
        state_url: site.stateUrl,
        api_key: TEST_KEY,
        log_level: 'silent',
        mdg_core_api_enabled: true,
        items_rate_limit_enabled: false,
        ops_listen: 'off',
        port: 0,
      })
      service = await createService(config)
      const { api } = await service.listen()
      base = api
    })
    after(async () => {
      await service?.close()
      await site?.drop()
    })

    it('enablewebservices off and on again', async (t) => {
      assert.equal(await status(), 200)
      const off = await changedWithin(await setConfig('enablewebservices', '0'), 401)
      const on = await changedWithin(await setConfig('enablewebservices', '1'), 200)
      t.diagnostic(`enablewebservices: off honoured after ${Math.round(off)} ms, on after ${Math.round(on)} ms`)
      assert.ok(off < WITHIN_MS && on < WITHIN_MS, `off after ${Math.round(off)} ms, on after ${Math.round(on)} ms`)
    })

    it('maintenance mode on and off, and the CLI maintenance file', async (t) => {
      assert.equal(await status(), 200)
      const on = await changedWithin(await setConfig('maintenance_enabled', '1'), 503)
      const off = await changedWithin(await setConfig('maintenance_enabled', '0'), 200)
      t.diagnostic(`maintenance_enabled: on honoured after ${Math.round(on)} ms, off after ${Math.round(off)} ms`)
      assert.ok(on < WITHIN_MS && off < WITHIN_MS, `on after ${Math.round(on)} ms, off after ${Math.round(off)} ms`)

      const file = join(site.dataroot, 'climaintenance.html')
      await writeFile(file, '<h1>Upgrading</h1>')
      try {
        const cliOn = await changedWithin(performance.now(), 503)
        assert.ok(cliOn < WITHIN_MS, `CLI maintenance after ${Math.round(cliOn)} ms`)
      } finally {
        await rm(file, { force: true })
      }
      assert.ok((await changedWithin(performance.now(), 200)) < WITHIN_MS)
    })

    it('the session handler: dbsessions on makes database sessions valid', async (t) => {
      const sid = randomBytes(13).toString('hex')
      const user = `USER|O:8:"stdClass":2:{s:2:"id";s:1:"${PLAIN}";s:7:"sesskey";s:10:"Ab3dE6gH9j";}`
      const now = Math.floor(Date.now() / 1000)
      await site.query(
        `INSERT INTO {sessions} (state, sid, userid, sessdata, timecreated, timemodified, firstip, lastip) VALUES (0, ?, ?, ?, ?, ?, '127.0.0.1', '127.0.0.1')`,
        [sid, PLAIN, Buffer.from(user).toString('base64'), now - 60, now - 10],
      )
      const cookie = () => status({ cookie: `MoodleSession=${sid}` })
      assert.equal(await cookie(), 401, 'the file handler has no file for it')
      const since = await setConfig('dbsessions', '1')
      try {
        const on = await changedWithin(since, 200, cookie)
        t.diagnostic(`dbsessions: database handler after ${Math.round(on)} ms`)
        assert.ok(on < WITHIN_MS, `database handler after ${Math.round(on)} ms`)
      } finally {
        assert.ok((await changedWithin(await setConfig('dbsessions', '0'), 401, cookie)) < WITHIN_MS, 'back to the file handler')
      }
    })

    it('reads stale settings once for a burst of 50 concurrent requests, not once per request', async (t) => {
      // An item list: authenticated, then refused for want of the capability (a cheap answer).
      const list = async () => {
        const res = await fetch(`${base}${MOUNT}/api/v1/items?limit=1`, { headers: { authorization: `Bearer ${token}` } })
        return `${res.status} ${((await res.json()) as { reason?: string }).reason}`
      }
      assert.equal(await list(), '403 missing_capability')
      await sleep(1600) // idle past the reuse window: the burst must refresh the settings
      const before = authSettingsReadCount(service.moodle)
      const started = performance.now()
      const statuses = await Promise.all(Array.from({ length: 50 }, list))
      const elapsed = performance.now() - started
      const reads = authSettingsReadCount(service.moodle) - before
      t.diagnostic(`${reads} settings reads for 50 concurrent requests answered in ${Math.round(elapsed)} ms`)
      assert.deepEqual(new Set(statuses), new Set(['403 missing_capability']))
      // One read shared by the whole burst, plus at most one refresh per second while it lasts (a
      // busy machine may take longer than one second to answer 50 requests).
      const allowed = 1 + Math.max(1, Math.ceil(elapsed / SETTINGS_REFRESH_MS))
      assert.ok(reads >= 1 && reads <= allowed, `${reads} settings reads for 50 requests in ${Math.round(elapsed)} ms (allowed ${allowed})`)
    })
  })
}
