/**
 * The update-information refresh (moopanel-api.md §5.13) with the stand-in helper: when it is due,
 * what the job stores (Moodle's `core_plugin/recentfetch` and `recentresponse`, then visible in
 * GET /plugin), failures that leave the data alone, and that /tasks/check never shows it.
 */
import assert from 'node:assert/strict'
import { rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { parseConfig } from '../src/config/index.ts'
import { findJob } from '../src/jobs/index.ts'
import { requestUpdateRefreshIfDue } from '../src/moopanel/index.ts'
import { createService, type Service } from '../src/service.ts'
import { buildTestMoodleDir } from './support/build-test-moodle-dir.ts'
import { createScratchPgDatabase, TEST_KEY } from './support/start-fixture-service.ts'
import { createPgCopy, testEnv, type DbCopy } from './support/test-env.ts'

const PHP = resolve(import.meta.dirname, 'support', 'fake-php', 'php')
/** The fixture's `core_plugin/recentfetch` (2026-11-21 19:21:54 UTC). */
const FIXTURE_FETCH_MS = 1795305714 * 1000
const HOUR_MS = 3_600_000

describe('update-information refresh', () => {
  let copy: DbCopy
  let state: { url: string; drop: () => Promise<void> }
  let service: Service
  let dataroot: string

  const query = async (text: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: copy.url })
    await client.connect()
    try {
      return (await client.query(text, params)).rows as Array<Record<string, string>>
    } finally {
      await client.end()
    }
  }
  const stored = async () =>
    Object.fromEntries((await query("SELECT name, value FROM mdl_config_plugins WHERE plugin = 'core_plugin' AND name IN ('recentfetch', 'recentresponse')")).map((r) => [r.name, r.value]))
  const settled = async (id: number) => {
    for (let i = 0; i < 300; i++) {
      const job = (await findJob(service.store, id))!
      if (job.state === 'finished') return job
      await sleep(100)
    }
    assert.fail(`job ${id} did not finish`)
  }
  const deps = () => ({ moodle: service.moodle, store: service.store })

  before(async () => {
    copy = await createPgCopy('update_refresh')
    const url = new URL(copy.url)
    const site = await buildTestMoodleDir({
      target: join(testEnv().tmpDir, `moodle-update-refresh-${process.pid}`), dbtype: 'pgsql', wwwroot: 'http://127.0.0.1:8081',
      db: { host: url.hostname, port: Number(url.port), name: copy.name, user: 'postgres', pass: '' },
    })
    dataroot = site.dataroot
    state = await createScratchPgDatabase(`mb_state_update_refresh_${process.pid}`)
    service = await createService(
      parseConfig({ moodle_dir: site.dir, api_key: TEST_KEY, state_url: state.url, log_level: 'silent', php_binary: PHP, read_reuse_ms: 0 }),
    )
  })
  after(async () => {
    await service?.close()
    await state?.drop()
    await copy?.drop()
  })

  it('is not due while Moodle’s last fetch is younger than the interval, or when switched off', async () => {
    assert.equal(await requestUpdateRefreshIfDue(deps(), { mode: 'on', intervalS: 7200, nowMs: FIXTURE_FETCH_MS + HOUR_MS }), null)
    assert.equal(await requestUpdateRefreshIfDue(deps(), { mode: 'off', intervalS: 60, nowMs: FIXTURE_FETCH_MS + 100 * HOUR_MS }), null)
    await query("UPDATE mdl_config SET value = '0' WHERE name = 'updateautocheck'")
    try {
      assert.equal(await requestUpdateRefreshIfDue(deps(), { mode: 'auto', intervalS: 60, nowMs: FIXTURE_FETCH_MS + 100 * HOUR_MS }), null, 'auto follows updateautocheck')
    } finally {
      await query("UPDATE mdl_config SET value = '1' WHERE name = 'updateautocheck'")
    }
  })

  it('runs Moodle’s update check when due and stores what it fetched, as Moodle does', async () => {
    const nowMs = FIXTURE_FETCH_MS + 3 * HOUR_MS
    const id = await requestUpdateRefreshIfDue(deps(), { mode: 'auto', intervalS: 7200, nowMs })
    assert.ok(id !== null, 'due: the fixture’s fetch is 3 h old and updateautocheck is on')
    assert.equal(await requestUpdateRefreshIfDue(deps(), { mode: 'auto', intervalS: 7200, nowMs: nowMs + 1000 }), null, 'one at a time')
    const job = await settled(id)
    assert.equal(job.outcome, 'success', job.summary ?? '')
    const after = await stored()
    assert.ok(Number(after.recentfetch) > FIXTURE_FETCH_MS / 1000)
    assert.match(after.recentresponse!, /"block_xp":\[\{"version":2025100502,/)

    const plugin = await service.app.inject({ url: '/local/moopanel/server.php/plugin?plugin=block_xp&displayupdates', headers: { 'x-api-key': TEST_KEY } })
    const body = plugin.json() as { last_check_for_updates: string; update_available: Array<{ version: string }> }
    assert.equal(body.last_check_for_updates, after.recentfetch)
    assert.deepEqual(body.update_available.map((u) => u.version), ['2025100502'])

    const check = await service.app.inject({ url: `/local/moopanel/server.php/tasks/check?id=${id}&type=update_check_refresh`, headers: { 'x-api-key': TEST_KEY } })
    assert.deepEqual(check.json(), { status: 4, error: 'There is no log data for selected task.' }, 'internal: invisible to /tasks/check')
    assert.equal(await requestUpdateRefreshIfDue(deps(), { mode: 'on', intervalS: 7200, nowMs: nowMs + HOUR_MS }), null, 'just requested')
  })

  it('keeps the stored data when the check fails, and tries again an interval later', async () => {
    await query("UPDATE mdl_config_plugins SET value = $1 WHERE plugin = 'core_plugin' AND name = 'recentfetch'", [String(FIXTURE_FETCH_MS / 1000)])
    const before = await stored()
    await writeFile(join(dataroot, 'fake-update-check-fail'), '')
    try {
      // Jobs run at their creation time: this one must not lie in the future.
      const nowMs = Date.now()
      const id = await requestUpdateRefreshIfDue(deps(), { mode: 'on', intervalS: 60, nowMs })
      assert.ok(id !== null)
      const job = await settled(id)
      assert.equal(job.outcome, 'failure')
      assert.match(job.summary ?? '', /fetch_failed/)
      assert.deepEqual(await stored(), before)
      assert.equal(await requestUpdateRefreshIfDue(deps(), { mode: 'on', intervalS: 60, nowMs: nowMs + 30_000 }), null, 'not at every tick')
      assert.ok((await requestUpdateRefreshIfDue(deps(), { mode: 'on', intervalS: 60, nowMs: nowMs + 61_000 })) !== null)
    } finally {
      await rm(join(dataroot, 'fake-update-check-fail'), { force: true })
    }
  })
})
