/**
 * GET /admin_presets end to end (moopanel-api.md §4.13, §5.9, §6.8) with the stand-in export
 * helper and a stand-in MooPanel that checks the XML: the document, sensitive settings, the
 * outcome that depends on MooPanel accepting the delivery, failures without a callback, refusals.
 */
import assert from 'node:assert/strict'
import { rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { parseConfig } from '../src/config/index.ts'
import { createService, type Service } from '../src/service.ts'
import { buildTestMoodleDir } from './support/build-test-moodle-dir.ts'
import { startStandInPanel, xmlProblem, type StandInPanel } from './support/stand-in-panel.ts'
import { createScratchPgDatabase, TEST_KEY } from './support/start-fixture-service.ts'
import { createPgCopy, testEnv, type DbCopy } from './support/test-env.ts'

const PHP = resolve(import.meta.dirname, 'support', 'fake-php', 'php')

describe('GET /admin_presets', () => {
  let panel: StandInPanel
  let copy: DbCopy
  let site: { dir: string; dataroot: string }
  const services: Array<{ service: Service; drop: () => Promise<void> }> = []
  let service: Service

  const start = async (options: Record<string, unknown>) => {
    const state = await createScratchPgDatabase(`mb_state_presets_${process.pid}_${services.length}`)
    const s = await createService(
      parseConfig({ moodle_dir: site.dir, api_key: TEST_KEY, state_url: state.url, log_level: 'silent', php_binary: PHP, moopanel_url: panel.url, update_check: 'off', ...options }),
    )
    services.push({ service: s, drop: state.drop })
    return s
  }
  const get = async (path: string, s = service) => {
    const res = await s.app.inject({ url: `/local/moopanel/server.php${path}`, headers: { 'x-api-key': TEST_KEY } })
    return { status: res.statusCode, json: res.json() }
  }
  const finished = async (id: number, s = service) => {
    for (let i = 0; i < 300; i++) {
      const st = (await get(`/tasks/check?id=${id}&type=admin_presets_create`, s)).json
      if (st.status !== 2) return st
      await sleep(100)
    }
    assert.fail(`job ${id} did not finish`)
  }
  const presets = (instance: number) => panel.requests.filter((r) => r.route === '6.8' && r.instanceId === instance)
  const sql = async (text: string) => {
    const client = new pg.Client({ connectionString: copy.url })
    await client.connect()
    try {
      await client.query(text)
    } finally {
      await client.end()
    }
  }

  before(async () => {
    panel = await startStandInPanel({ apiKey: TEST_KEY })
    copy = await createPgCopy('presets')
    const url = new URL(copy.url)
    site = await buildTestMoodleDir({
      target: join(testEnv().tmpDir, `moodle-presets-${process.pid}`), dbtype: 'pgsql', wwwroot: 'http://127.0.0.1:8081',
      db: { host: url.hostname, port: Number(url.port), name: copy.name, user: 'postgres', pass: '' },
    })
    service = await start({ timezone: 'Asia/Tokyo' })
  })
  after(async () => {
    for (const s of services) {
      await s.service.close()
      await s.drop()
    }
    await copy?.drop()
    await panel?.stop()
  })

  it('exports the configuration as XML and delivers it; the job succeeds once MooPanel accepted it', async () => {
    const res = await get('/admin_presets?instanceid=9')
    assert.equal(res.status, 200, JSON.stringify(res.json))
    const id = res.json.moodle_job_id
    assert.deepEqual(res.json, { status: true, message: 'Admin presets creation in progress', moodle_job_id: id })
    assert.deepEqual(await finished(id), { status: 1, error: '' })

    const [delivery] = presets(9)
    assert.ok(delivery, 'the preset reached MooPanel')
    assert.equal(delivery.status, 200)
    assert.equal(delivery.headers['content-type'], 'application/xml')
    const xml = delivery.body
    assert.equal(xmlProblem(xml), null)
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<PRESET>\n  <NAME>Moopanel</NAME>\n'))
    assert.ok(xml.endsWith('</PLUGINS>\n</PRESET>'))
    const field = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1]
    assert.equal(field('AUTHOR'), 'Moopanel App')
    assert.equal(field('SITE_URL'), 'http://127.0.0.1:8081')
    assert.equal(field('MOODLE_VERSION'), '2024100706')
    assert.equal(field('MOODLE_RELEASE'), '4.5.6 (Build: 20250811)')
    // The comment's date is PRESET_DATE in the configured zone (Tokyo: UTC+9, no DST).
    const tokyo = new Date((Number(field('PRESET_DATE')) + 9 * 3600) * 1000)
    const two = (n: number) => String(n).padStart(2, '0')
    const expected = `${two(tokyo.getUTCDate())}.${two(tokyo.getUTCMonth() + 1)}.${tokyo.getUTCFullYear()} - ${two(tokyo.getUTCHours())}:${two(tokyo.getUTCMinutes())}:${two(tokyo.getUTCSeconds())}`
    assert.equal(field('COMMENTS'), `Preset for MooPanel application created on ${expected}`)

    const none = /<NONE>\n {6}<SETTINGS>\n([\s\S]*?)\n {6}<\/SETTINGS>/.exec(xml)![1]!
    assert.match(none, /<FULLNAME>Moodle Lab 4\.5<\/FULLNAME>/)
    assert.match(none, /<SHORTNAME>moodlelab<\/SHORTNAME>/)
    assert.match(none, /<TIMEZONE>Europe\/London<\/TIMEZONE>/)
    const names = [...none.matchAll(/^ {8}<([A-Z0-9_]+)/gm)].map((m) => m[1]!)
    assert.deepEqual(names, [...names].sort(), 'settings sorted by name')
    const groups = [...xml.matchAll(/^ {4}<([A-Z0-9_]+)>\n {6}<SETTINGS>/gm)].map((m) => m[1]!)
    assert.ok(groups.length > 10)
    assert.deepEqual(groups, [...groups].sort(), 'groups sorted by name')
    assert.match(xml, /<PLUGINS>[\s\S]*<MOD>[\s\S]*<FORUM>1<\/FORUM>/)

    // Sensitive settings: Moodle's list and anything that looks secret.
    const settingNames = [...(/<ADMIN_SETTINGS>([\s\S]*)<\/ADMIN_SETTINGS>/.exec(xml)![1]!).matchAll(/^ {8}<([A-Z0-9_.-]+)/gm)].map((m) => m[1]!)
    for (const name of ['SMTPPASS', 'SMTPUSER', 'RECAPTCHAPRIVATEKEY', 'ALLOWEDIP']) assert.ok(!settingNames.includes(name), name)
    assert.deepEqual(settingNames.filter((n) => /PASS|SECRET|KEY|TOKEN|SALT/.test(n)), [])
  })

  it('includes sensitive settings with presets_include_sensitive', async () => {
    const sensitive = await start({ presets_include_sensitive: true })
    const res = await get('/admin_presets?instanceid=10', sensitive)
    assert.deepEqual(await finished(res.json.moodle_job_id, sensitive), { status: 1, error: '' })
    const xml = presets(10)[0]!.body
    assert.match(xml, /<SMTPPASS><\/SMTPPASS>/)
    assert.match(xml, /<ALLOWEDIP>/)
  })

  it('fails when MooPanel rejects the delivery (there is no failure callback)', async () => {
    panel.script((r) => (r.route === '6.8' && r.instanceId === 11 ? { status: 422, body: { message: 'The given data was invalid.', errors: {} } } : undefined))
    try {
      const res = await get('/admin_presets?instanceid=11')
      assert.deepEqual(await finished(res.json.moodle_job_id), { status: 3, error: 'Preset not accepted by MooPanel.' })
      assert.equal(presets(11).length, 1, 'rejected: not retried')
    } finally {
      panel.script(null)
    }
  })

  it('fails without a callback when the export fails or the document is too large', async () => {
    for (const [marker, instance, error] of [
      ['fake-export-fail', 12, 'Configuration export failed: Moodle could not export the settings.'],
      ['fake-export-huge', 13, 'Preset too large.'],
    ] as const) {
      await writeFile(join(site.dataroot, marker), '')
      try {
        const res = await get(`/admin_presets?instanceid=${instance}`)
        assert.deepEqual(await finished(res.json.moodle_job_id), { status: 3, error })
        assert.equal(presets(instance).length, 0)
      } finally {
        await rm(join(site.dataroot, marker), { force: true })
      }
    }
  })

  it('needs a valid instanceid', async () => {
    for (const query of ['', '?instanceid=', '?instanceid=0', '?instanceid=abc', '?instance_id=5', '?instanceid=2147483648']) {
      assert.deepEqual(await get(`/admin_presets${query}`), { status: 400, json: { error: 'Bad Request - Please provide a valid instance ID.' } }, query)
    }
  })

  it('answers 501 on Moodle before 4.1', async () => {
    await sql("UPDATE mdl_config SET value = '2022041900' WHERE name = 'version'")
    try {
      assert.deepEqual(await get('/admin_presets?instanceid=14'), { status: 501, json: { error: 'Not implemented - Admin presets plugin not found.' } })
    } finally {
      await sql("UPDATE mdl_config SET value = '2024100706' WHERE name = 'version'")
    }
  })
})
