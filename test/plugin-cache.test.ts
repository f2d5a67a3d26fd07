/**
 * The plugin inventory is cached but never stale for long: a changed version.php, a new plugin
 * folder, a changed `config_plugins` version row or upgrade-log row show up in the next answers.
 */
import assert from 'node:assert/strict'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { parseConfig } from '../src/config/index.ts'
import { createService, type Service } from '../src/service.ts'
import { buildTestMoodleDir } from './support/build-test-moodle-dir.ts'
import { createScratchPgDatabase, TEST_KEY } from './support/start-fixture-service.ts'
import { createPgCopy, testEnv, type DbCopy } from './support/test-env.ts'

describe('plugin inventory freshness', () => {
  let copy: DbCopy
  let state: { url: string; drop: () => Promise<void> }
  let service: Service
  let dir: string
  let dataroot: string
  let db: pg.Client

  const get = async (path: string) => {
    const res = await service.app.inject({ url: `/local/moopanel/server.php${path}`, headers: { 'x-api-key': TEST_KEY } })
    return res.json()
  }
  /** Polls until `check` holds (the disk side is re-checked at most once a second). */
  const eventually = async (check: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 40; i++) {
      if (await check()) return
      await sleep(100)
    }
    assert.fail(`not seen within 4 s: ${what}`)
  }

  before(async () => {
    copy = await createPgCopy('plugin_cache')
    const url = new URL(copy.url)
    const site = await buildTestMoodleDir({
      target: join(testEnv().tmpDir, `moodle-cache-${process.pid}`),
      dbtype: 'pgsql', wwwroot: 'http://127.0.0.1:8081',
      db: { host: url.hostname, port: Number(url.port), name: copy.name, user: 'postgres', pass: '' },
    })
    dir = site.dir
    dataroot = site.dataroot
    state = await createScratchPgDatabase(`mb_state_cache_${process.pid}`)
    service = await createService(parseConfig({ moodle_dir: dir, api_key: TEST_KEY, state_url: state.url, log_level: 'silent' }))
    db = new pg.Client({ connectionString: copy.url })
    await db.connect()
  })

  after(async () => {
    await db?.end()
    await service?.close()
    await state?.drop()
    await copy?.drop()
  })

  it('sees a new version.php version (code updated, upgrade pending)', async () => {
    const before = await get('/plugin?plugin=block_xp&displayupdates')
    assert.equal(before.plugininfo.versiondisk, 2025041303)
    assert.equal(before.update_available.length, 2)
    const file = join(dir, 'blocks', 'xp', 'version.php')
    await writeFile(file, (await readFile(file, 'utf8')).replace('2025041303', '2025100500'))
    await eventually(async () => (await get('/plugin?plugin=block_xp')).plugininfo.versiondisk === 2025100500, 'versiondisk 2025100500')
    const listed = (await get('/plugins?displayupdates')).plugins.find((p: { component: string }) => p.component === 'block_xp')
    assert.deepEqual(listed.update_available.map((u: { version: string }) => u.version), ['2025100501'], 'only versions newer than the code remain')
  })

  it('sees a changed config_plugins version row and new upgrade-log rows', async () => {
    await db.query("UPDATE mdl_config_plugins SET value = '2025100500' WHERE plugin = 'block_xp' AND name = 'version'")
    await db.query(`INSERT INTO mdl_upgrade_log (type, plugin, version, targetversion, info, details, backtrace, userid, timemodified)
      VALUES (0, 'block_xp', '2025100500', '2025100500', 'Plugin upgraded', NULL, '', 2, 1795310000)`)
    await eventually(async () => {
      const p = (await get('/plugins?displayupdateslog')).plugins.find((x: { component: string }) => x.component === 'block_xp')
      return p.version === '2025100500' && p.update_log[0].info === 'Plugin upgraded'
    }, 'version 2025100500 and the new log row')
    const p = (await get('/plugins?displayupdateslog')).plugins.find((x: { component: string }) => x.component === 'block_xp')
    assert.equal(p.update_log[0].username, 'admin', 'user names come from the join')
  })

  it('lists a newly installed plugin once its folder and version row exist', async () => {
    const plugin = join(dir, 'local', 'greeting')
    await mkdir(join(plugin, 'lang', 'en'), { recursive: true })
    await writeFile(join(plugin, 'version.php'), "<?php\ndefined('MOODLE_INTERNAL') || die();\n$plugin->component = 'local_greeting';\n$plugin->version = 2024060100;\n$plugin->requires = 2022041900;\n")
    await writeFile(join(plugin, 'lang', 'en', 'local_greeting.php'), "<?php\n$string['pluginname'] = 'Greeting';\n")
    await sleep(1100)
    const pending = (await get('/plugins')).plugins.map((p: { component: string }) => p.component)
    assert.ok(!pending.includes('local_greeting'), 'on disk but not installed: omitted (A24)')
    assert.equal((await get('/plugin?plugin=local_greeting')).plugininfo.versiondb, null, '/plugin knows it from disk')
    await db.query("INSERT INTO mdl_config_plugins (plugin, name, value) VALUES ('local_greeting', 'version', '2024060100')")
    await eventually(async () => (await get('/plugins')).plugins.some((p: { component: string; display_name: string }) => p.component === 'local_greeting' && p.display_name === 'Greeting'), 'local_greeting listed')
  })

  it('shows the Moodle root and dataroot inside plugin settings as [dirroot] and [dataroot] (§4.9)', async () => {
    await db.query(`INSERT INTO mdl_config_plugins (plugin, name, value) VALUES ('block_xp', 'exportdir', $1), ('block_xp', 'codecopy', $2)`, [
      `${dataroot}/xp/export`,
      `${dir}/blocks/xp/copy`,
    ])
    await eventually(async () => (await get('/plugin?plugin=block_xp&displayconfig')).pluginconfig.exportdir !== undefined, 'new settings')
    const config = (await get('/plugin?plugin=block_xp&displayconfig')).pluginconfig
    assert.equal(config.exportdir, '[dataroot]/xp/export')
    assert.equal(config.codecopy, '[dirroot]/blocks/xp/copy')
  })
})
