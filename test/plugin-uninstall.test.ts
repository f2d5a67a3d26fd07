/**
 * POST /plugin/uninstall (moopanel-api.md §4.10) with the stand-in PHP CLI: Moodle's uninstall
 * script under the site lock, success judged from the database, the code folder moved to the
 * rollback area, and the refusals.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parseConfig } from '../src/config/index.ts'
import { enqueueJobs } from '../src/jobs/index.ts'
import { createService, type Service } from '../src/service.ts'
import { buildTestMoodleDir } from './support/build-test-moodle-dir.ts'
import { createScratchPgDatabase, TEST_KEY } from './support/start-fixture-service.ts'
import { createPgCopy, testEnv, type DbCopy } from './support/test-env.ts'

const PHP = resolve(import.meta.dirname, 'support', 'fake-php', 'php')

describe('POST /plugin/uninstall', () => {
  let copy: DbCopy
  let state: { url: string; drop: () => Promise<void> }
  let service: Service
  let dir: string
  let staging: string

  const post = async (plugin: string, data: unknown) => {
    const res = await service.app.inject({
      method: 'POST', url: `/local/moopanel/server.php/plugin/uninstall?plugin=${plugin}`,
      headers: { 'x-api-key': TEST_KEY, 'content-type': 'application/json' }, payload: JSON.stringify({ data }),
    })
    return { status: res.statusCode, json: res.json() }
  }
  const get = async (path: string) =>
    (await service.app.inject({ url: `/local/moopanel/server.php${path}`, headers: { 'x-api-key': TEST_KEY } })).json()

  before(async () => {
    copy = await createPgCopy('uninstall')
    const url = new URL(copy.url)
    const site = await buildTestMoodleDir({
      target: join(testEnv().tmpDir, `moodle-uninstall-${process.pid}`), dbtype: 'pgsql', wwwroot: 'http://127.0.0.1:8081',
      db: { host: url.hostname, port: Number(url.port), name: copy.name, user: 'postgres', pass: '' },
    })
    dir = site.dir
    staging = await mkdtemp(join(testEnv().tmpDir, 'staging-'))
    state = await createScratchPgDatabase(`mb_state_uninstall_${process.pid}`)
    service = await createService(
      parseConfig({ moodle_dir: dir, api_key: TEST_KEY, state_url: state.url, log_level: 'silent', php_binary: PHP, code_staging_dir: staging }),
    )
  })
  after(async () => {
    await service?.close()
    await state?.drop()
    await copy?.drop()
  })

  it('uninstalls an add-on through Moodle, moves its folder aside and forgets it', async () => {
    const res = await post('block_xp', { confirm: true })
    assert.equal(res.status, 200, JSON.stringify(res.json))
    assert.deepEqual(res.json, { uninstalled: true, removed: true })
    await assert.rejects(stat(join(dir, 'blocks', 'xp')), 'no longer in the Moodle root')
    const [jobDir] = await import('node:fs/promises').then((fs) => fs.readdir(join(staging, 'rollback')))
    assert.ok((await stat(join(staging, 'rollback', jobDir!, 'block_xp', 'version.php'))).isFile(), 'kept in the rollback area')
    const plugins = (await get('/plugins')).plugins.map((p: { component: string }) => p.component)
    assert.ok(!plugins.includes('block_xp'))
    assert.deepEqual(await get('/plugin?plugin=block_xp'), { error: 'Plugin not exist.' })
  })

  it('leaves no upgrade pending: the folder removal is followed by an upgrade, as Moodle\'s own pages do', async () => {
    // On a real 4.5.6 site, removing an uninstalled plugin's folder changes the code fingerprint
    // (allversionshash): until an upgrade runs, `upgrade.php --is-pending` exits 2 and Moodle's CLI
    // scripts refuse to run. The stand-in models that fingerprint.
    const pending = spawnSync(PHP, ['admin/cli/upgrade.php', '--is-pending'], { cwd: dir, encoding: 'utf8' })
    assert.equal(pending.status, 0, `${pending.stdout}${pending.stderr}`)
    assert.match(pending.stderr, /No upgrade needed/)
  })

  it('needs confirm to be JSON true', async () => {
    for (const data of [{}, { confirm: 'true' }, { confirm: 1 }, { confirm: false }]) {
      assert.deepEqual(await post('format_multitopic', data), { status: 403, json: { error: 'Not confirmed.' } })
    }
  })

  it('refuses standard plugins and plugins Moodle will not uninstall, leaving them in place', async () => {
    assert.deepEqual(await post('mod_forum', { confirm: true }), { status: 400, json: { error: 'Plugin can not be uninstalled.' } })
    await writeFile(join(dir, 'course', 'format', 'multitopic', '.fake-cannot-uninstall'), '')
    assert.deepEqual(await post('format_multitopic', { confirm: true }), { status: 400, json: { error: 'Plugin can not be uninstalled.' } })
    assert.ok((await stat(join(dir, 'course', 'format', 'multitopic', 'version.php'))).isFile())
    assert.equal((await get('/plugin?plugin=format_multitopic')).plugininfo.versiondb, '2024112601')
  })

  it('answers 503 while another Moodle-changing job is pending', async () => {
    await enqueueJobs(service.store, [{ type: 'core_update', payload: {}, moodleChanging: true, maxAttempts: 1 }], { nowMs: Date.now() })
    const res = await post('theme_boost_union', { confirm: true })
    assert.deepEqual(res, { status: 503, json: { error: 'Service Unavailable - try again later.' } })
  })
})
