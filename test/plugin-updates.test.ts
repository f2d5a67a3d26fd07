/**
 * POST /plugins/updates and POST /plugins/installzip end to end (moopanel-api.md §4.7, §4.8, §5.6,
 * §5.7, §6.6, §6.7): packages served by a local stand-in of moodle.org, Moodle's upgrade run by the
 * stand-in PHP CLI against a copy of the fixture database, callbacks validated by the stand-in
 * MooPanel, and `/tasks/check` 2 → 1/3 only after the callback. On PostgreSQL and, when configured,
 * MariaDB (site and store on the same engine).
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseConfig } from '../src/config/index.ts'
import { buildRawZip, buildZip } from '../src/packages/test-zip.ts'
import { createService, type Service } from '../src/service.ts'
import { createCodeChangeSite, FAKE_PHP, siteEngines, type CodeChangeSite } from './support/code-change-site.ts'
import { startPackageServer, type PackageServer } from './support/package-server.ts'
import { moopanelApi } from './support/moopanel-inject.ts'
import { TEST_KEY } from './support/start-fixture-service.ts'
import { startStandInPanel, type StandInPanel } from './support/stand-in-panel.ts'

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex')
const versionPhp = (component: string, version: number, extra = '') =>
  `<?php\ndefined('MOODLE_INTERNAL') || die();\n$plugin->component = '${component}';\n$plugin->version = ${version};\n$plugin->requires = 2024100100;\n${extra}`
const exists = (p: string) => stat(p).then(() => true, () => false)

for (const engine of siteEngines()) {
  describe(`plugin updates and ZIP installs (${engine})`, () => {
    let site: CodeChangeSite
    let panel: StandInPanel
    let files: PackageServer
    let service: Service

    const api = moopanelApi(() => service.app)
    const status = async (id: number, type: string) => (await api(`/tasks/check?id=${id}&type=${type}`)).json as { status: number; error: string }
    const settled = async (id: number, type: string) => {
      for (const until = Date.now() + 30_000; Date.now() < until; await sleep(100)) {
        const s = await status(id, type)
        if (s.status !== 2) return s
      }
      assert.fail(`job ${id} did not settle`)
    }
    const callbackFor = (jobId: number) => panel.requests.find((r) => (r.json as { moodle_job_id?: number } | undefined)?.moodle_job_id === jobId && r.status === 200)
    const dbVersion = async (component: string) =>
      (await site.query(`SELECT value FROM {config_plugins} WHERE plugin = ? AND name = 'version'`, [component]))[0]?.value ?? null

    before(async () => {
      site = await createCodeChangeSite(engine, `plugupd_${engine}`)
      panel = await startStandInPanel({ apiKey: TEST_KEY })
      files = await startPackageServer()
      // Packages of the stored update data, served locally; the stored URLs and MD5s point at them.
      const xp0 = await buildZip({ 'xp/version.php': versionPhp('block_xp', 2025100500), 'xp/block_xp.php': '<?php // new code 19.0\n' })
      const xp1 = await buildZip({ 'xp/version.php': versionPhp('block_xp', 2025100501), 'xp/block_xp.php': '<?php // 19.1\n', 'xp/.fake-upgrade-fail-after': '' })
      const topic = await buildZip({ 'multitopic/version.php': versionPhp('format_multitopic', 2024112703) })
      const union = await buildZip({ 'boost_union/version.php': versionPhp('theme_boost_union', 2024100794), 'boost_union/.fake-upgrade-fail': '' })
      const served: Record<string, Buffer> = {
        '/plugins/39387/block_xp_moodle45_2025100500.zip': xp0,
        '/plugins/40512/block_xp_moodle45_2025100501.zip': xp1,
        '/plugins/39254/format_multitopic_moodle45_2024112702.zip': topic,
        '/plugins/42215/theme_boost_union_moodle45_2024100794.zip': union,
      }
      for (const [path, body] of Object.entries(served)) files.files.set(path, body)
      const [row] = await site.query(`SELECT value FROM {config_plugins} WHERE plugin = 'core_plugin' AND name = 'recentresponse'`)
      let response = String(row!['value']).replaceAll('https:\\/\\/moodle.org\\/plugins\\/download.php', `${files.origin.replaceAll('/', '\\/')}\\/plugins`)
      const data = JSON.parse(response) as { updates: Record<string, Array<{ download: string; downloadmd5?: string }>> }
      for (const entries of Object.values(data.updates)) {
        for (const e of entries) {
          const path = e.download.replace(/^http:\/\/127\.0\.0\.1:\d+/, '')
          if (served[path] && e.downloadmd5) response = response.replace(e.downloadmd5, md5(served[path]!))
        }
      }
      await site.query(`UPDATE {config_plugins} SET value = ? WHERE plugin = 'core_plugin' AND name = 'recentresponse'`, [response])
      service = await createService(
        parseConfig({
          moodle_dir: site.dir, api_key: TEST_KEY, state_url: site.stateUrl, log_level: 'silent', php_binary: FAKE_PHP,
          code_staging_dir: site.staging, moopanel_url: panel.url, download_allow_http: true, download_allowed_hosts: ['127.0.0.1'],
        }),
      )
    })
    after(async () => {
      await service?.close()
      await panel?.stop()
      await files?.stop()
      await site?.drop()
    })

    it('applies each item by the rules of §5.6, swaps and upgrades, restores on failure, and calls back once', { timeout: 60_000 }, async () => {
      const forum = String((await api('/plugin?plugin=mod_forum')).json.plugininfo.versiondisk)
      const oldUnion = await readFile(join(site.dir, 'theme', 'boost_union', 'version.php'), 'utf8')
      panel.script((r) => (r.route === '6.6' ? { status: 503, headers: { 'retry-after': '1' } } : undefined))
      const res = await api('/plugins/updates', 'POST', {
        instance_id: 5, user_id: '9', username: 'admin@example.org',
        updates: [
          { model_id: 11, component: 'block_xp', version: '2025100500', release: '19.0', download: null },
          { model_id: 12, component: 'mod_forum', version: forum },
          { model_id: 13, component: 'local_nothere', version: 2024010100 },
          { model_id: 14, component: 'format_multitopic', version: '2024112702' },
          { model_id: 15, component: 'theme_boost_union', version: '2024100794' },
        ],
      })
      assert.equal(res.status, 200, res.body)
      assert.equal(res.json.status, true)
      assert.equal(res.json.message, 'Plugins update in progress.')
      const id = res.json.moodle_job_id as number
      assert.ok(Number.isInteger(id))
      assert.equal((await status(id, 'plugins_update')).status, 2)

      // Installed, but MooPanel has not accepted the callback yet: the version stays listed (§4.0).
      for (const until = Date.now() + 30_000; !panel.requests.some((r) => r.route === '6.6' && r.status === 503); await sleep(100)) {
        if (Date.now() > until) assert.fail('no callback attempt')
      }
      assert.equal(await dbVersion('block_xp'), '2025100500')
      const listed = (await api('/plugins?displayupdates')).json.plugins.find((p: { component: string }) => p.component === 'block_xp')
      assert.ok(listed.update_available.some((u: { version: string }) => u.version === '2025100500'), 'pending target still listed')
      assert.equal((await status(id, 'plugins_update')).status, 2)
      panel.script(null)

      const final = await settled(id, 'plugins_update')
      assert.deepEqual(final, { status: 3, error: '3 of 5 updates failed: local_nothere: Plugin not exist in Moodle' })
      const sent = callbackFor(id)!
      assert.equal(sent.url, '/api/updates/plugins/instance/5')
      const body = sent.json as { user_id: number; username: string; updates: Array<{ model_id: number; status: boolean; component: string; error: string | null }> }
      assert.equal(body.user_id, 9)
      assert.equal(body.username, 'admin@example.org')
      assert.deepEqual(body.updates.slice(0, 4), [
        { model_id: 11, status: true, component: 'block_xp', error: null },
        { model_id: 12, status: true, component: 'mod_forum', error: 'Update already installed' },
        { model_id: 13, status: false, component: 'local_nothere', error: 'Plugin not exist in Moodle' },
        { model_id: 14, status: false, component: 'format_multitopic', error: 'Version mismatch.' },
      ])
      assert.equal(body.updates[4]!.status, false)
      assert.match(body.updates[4]!.error!, /^Upgrade failed; previous version restored\./)

      // block_xp: new code in place, upgraded; boost_union: old code back, version unchanged.
      assert.match(await readFile(join(site.dir, 'blocks', 'xp', 'block_xp.php'), 'utf8'), /new code 19\.0/)
      assert.equal(await dbVersion('block_xp'), '2025100500')
      assert.equal(await readFile(join(site.dir, 'theme', 'boost_union', 'version.php'), 'utf8'), oldUnion)
      assert.ok(!(await exists(join(site.dir, 'theme', 'boost_union', '.fake-upgrade-fail'))))
      assert.ok(!(await exists(join(site.staging, 'jobs', String(id)))), 'the job staging folder is removed')
      // The inventory follows at once: block_xp's disk version is the new one.
      assert.equal(String((await api('/plugin?plugin=block_xp')).json.plugininfo.versiondisk), '2025100500')
    })

    it('keeps the new code when the database moved on, and skips the remaining items (rule 12)', { timeout: 60_000 }, async () => {
      const res = await api('/plugins/updates', 'POST', {
        instance_id: 5,
        updates: [
          { model_id: 21, component: 'block_xp', version: 2025100501 },
          { model_id: 22, component: 'format_multitopic', version: '2024112702' },
        ],
      })
      const id = res.json.moodle_job_id as number
      await settled(id, 'plugins_update')
      const body = callbackFor(id)!.json as { updates: Array<{ status: boolean; error: string }> }
      assert.match(body.updates[0]!.error, /^Upgrade failed; manual intervention required\./)
      assert.deepEqual(body.updates[1], { model_id: 22, status: false, component: 'format_multitopic', error: 'Skipped: site needs manual intervention.' })
      assert.equal(await dbVersion('block_xp'), '2025100501')
      assert.match(await readFile(join(site.dir, 'blocks', 'xp', 'block_xp.php'), 'utf8'), /19\.1/)
      await writeFile(join(site.dir, 'blocks', 'xp', '.fake-upgrade-fail-after'), '') // (kept: marker of the new code)
    })

    it('replays an identical request with the same job id and does the work once', async () => {
      const data = { instance_id: 6, updates: [{ model_id: 31, component: 'mod_forum', version: '1' }] }
      const first = await api('/plugins/updates', 'POST', data)
      const second = await api('/plugins/updates', 'POST', data)
      assert.equal(second.headers['x-idempotent-replay'], 'true')
      assert.equal(second.body, first.body)
      await settled(first.json.moodle_job_id, 'plugins_update')
      const sent = panel.requests.filter((r) => r.url === '/api/updates/plugins/instance/6')
      assert.equal(sent.length, 1)
      assert.deepEqual((sent[0]!.json as { updates: unknown[] }).updates, [{ model_id: 31, status: true, component: 'mod_forum', error: 'Newer version of plugin already installed' }])
    })

    it('validates requests in the documented order', async () => {
      const cases: Array<[string, unknown, string]> = [
        ['/plugins/updates', {}, 'Bad Request - Please provide a valid instance ID.'],
        ['/plugins/updates', { instance_id: 1 }, 'Bad request - no updates specified.'],
        ['/plugins/updates', { instance_id: 1, updates: [] }, 'Bad request - no updates specified.'],
        ['/plugins/updates', { instance_id: 1, updates: [{ model_id: 1, component: 'Mod_x', version: '1' }] }, "Bad Request - Invalid field 'updates.0.component'."],
        ['/plugins/updates', { instance_id: 1, updates: [{ model_id: 1, component: 'mod_x', version: '1.5' }] }, "Bad Request - Invalid field 'updates.0.version'."],
        ['/plugins/updates', { instance_id: 1, updates: [{ component: 'mod_x', version: '1' }] }, "Bad Request - Invalid field 'updates.0.model_id'."],
        ['/plugins/updates', { instance_id: 1, user_id: 'x', updates: [{ model_id: 1, component: 'mod_x', version: '1' }] }, "Bad Request - Invalid field 'user_id'."],
        ['/plugins/installzip', { instance_id: 1 }, 'Bad request - no zip files urls specified.'],
        ['/plugins/installzip', { instance_id: 1, updates: ['ftp://x/y.zip'] }, "Bad Request - Invalid field 'updates.0'."],
        ['/plugins/installzip', { instance_id: 1, updates: ['https://x/y.zip'], username: 5 }, "Bad Request - Invalid field 'username'."],
        ['/plugins/other', { instance_id: 1 }, 'Bad request - undefined method.'],
      ]
      for (const [path, data, error] of cases) {
        const res = await api(path, 'POST', data)
        assert.equal(res.status, 400, `${path} ${JSON.stringify(data)}`)
        assert.deepEqual(res.json, { error }, `${path} ${JSON.stringify(data)}`)
      }
    })

    it('installs plugins from ZIP URLs and refuses bad ones item by item, leaving the site untouched for them', { timeout: 60_000 }, async () => {
      files.files.set('/zips/hello.zip', await buildZip({ 'hello/version.php': versionPhp('local_hello', 2026010100), 'hello/lib.php': '<?php\n' }))
      files.files.set('/zips/evil.zip', buildRawZip([{ name: 'hello/version.php', data: Buffer.from('x') }, { name: '../../escape.php', data: Buffer.from('<?php') }]))
      files.files.set('/zips/forum.zip', await buildZip({ 'forum/version.php': versionPhp('mod_forum', 2099010100) }))
      files.files.set('/zips/xp-old.zip', await buildZip({ 'xp/version.php': versionPhp('block_xp', 2020010100) }))
      files.files.set('/zips/two.zip', await buildZip({ 'a/version.php': versionPhp('local_a', 1), 'b/version.php': versionPhp('local_b', 1) }))
      const urls = [
        `${files.origin}/zips/hello.zip`,
        'https://evil.example.org/x.zip',
        `${files.origin}/zips/evil.zip`,
        `${files.origin}/zips/forum.zip`,
        `${files.origin}/zips/xp-old.zip`,
        `${files.origin}/zips/two.zip`,
        `${files.origin}/zips/missing.zip`,
      ]
      const before = await readdir(site.dir)
      const res = await api('/plugins/installzip', 'POST', { instance_id: 8, user_id: null, username: 'not an email', updates: urls })
      assert.equal(res.status, 200, res.body)
      assert.equal(res.json.message, 'Plugins install in progress.')
      const id = res.json.moodle_job_id as number
      const final = await settled(id, 'plugins_install_zip')
      assert.equal(final.status, 3)
      const body = callbackFor(id)!.json as { username: null; updates: Array<{ link: string; status: boolean; component: string; version: string | null; error: string | null }> }
      assert.equal(body.username, null)
      assert.deepEqual(body.updates.map((u) => u.link), urls)
      assert.deepEqual(body.updates[0], { link: urls[0], status: true, component: 'local_hello', version: '2026010100', error: null })
      assert.deepEqual({ ...body.updates[1], error: body.updates[1]!.error?.slice(0, 24) }, { link: urls[1], status: false, component: 'unknown', version: null, error: 'Download URL not allowed' })
      assert.equal(body.updates[2]!.component, 'unknown')
      assert.match(body.updates[2]!.error!, /^Invalid zip file/)
      assert.deepEqual(body.updates[3], { link: urls[3], status: false, component: 'mod_forum', version: '2099010100', error: 'Standard plugins cannot be replaced.' })
      assert.deepEqual(body.updates[4], { link: urls[4], status: false, component: 'block_xp', version: '2020010100', error: 'Downgrade not allowed.' })
      assert.match(body.updates[5]!.error!, /^Invalid zip file/)
      assert.match(body.updates[6]!.error!, /^Cannot download zip file/)
      assert.equal(await dbVersion('local_hello'), '2026010100')
      assert.ok(await exists(join(site.dir, 'local', 'hello', 'lib.php')))
      assert.deepEqual(await readdir(site.dir), before, 'nothing escaped into the Moodle root')
      assert.ok(!(await exists(join(site.dir, '..', 'escape.php'))))
      assert.equal(await readFile(join(site.dir, 'mod', 'forum', 'version.php'), 'utf8').then((t) => t.includes('2099010100')), false)
    })

    it('refuses before any swap a package that Moodle\'s upgrade would refuse (requires a Moodle 1.x version)', { timeout: 60_000 }, async () => {
      files.files.set('/zips/ancient.zip', await buildZip({ 'ancient/version.php': versionPhp('local_ancient', 2026010100, '$plugin->requires = 2007101509;\n') }))
      const urls = [`${files.origin}/zips/ancient.zip`]
      const before = await readdir(join(site.dir, 'local'))
      const res = await api('/plugins/installzip', 'POST', { instance_id: 9, user_id: null, username: null, updates: urls })
      assert.equal(res.status, 200, res.body)
      const id = res.json.moodle_job_id as number
      assert.equal((await settled(id, 'plugins_install_zip')).status, 3)
      const body = callbackFor(id)!.json as { updates: Array<{ link: string; status: boolean; component: string; version: string | null; error: string | null }> }
      assert.deepEqual(body.updates[0], { link: urls[0], status: false, component: 'local_ancient', version: '2026010100', error: 'Plugin is not compatible with Moodle 2.x or later.' })
      assert.deepEqual(await readdir(join(site.dir, 'local')), before, 'nothing was swapped in')
      assert.equal(await dbVersion('local_ancient'), null)
    })
  })
}
