/**
 * POST /moodle_core end to end (moopanel-api.md §4.12, §5.8, §6.5): the stored core package served
 * locally, the new tree assembled beside the old one (config.php and add-on plugins carried over),
 * CLI maintenance on and off, the Moodle root swapped, Moodle's upgrade run by the stand-in PHP CLI,
 * rollback on failure, and the callback on success and on failure.
 */
import assert from 'node:assert/strict'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseConfig } from '../src/config/index.ts'
import { createService, type Service } from '../src/service.ts'
import { buildCorePackage } from './support/core-package.ts'
import { createCodeChangeSite, FAKE_PHP, siteEngines, type CodeChangeSite } from './support/code-change-site.ts'
import { startPackageServer, type PackageServer } from './support/package-server.ts'
import { moopanelApi } from './support/moopanel-inject.ts'
import { TEST_KEY } from './support/start-fixture-service.ts'
import { startStandInPanel, type StandInPanel } from './support/stand-in-panel.ts'

const exists = (p: string) => stat(p).then(() => true, () => false)

for (const engine of siteEngines()) {
  describe(`core update (${engine})`, () => {
    let site: CodeChangeSite
    let panel: StandInPanel
    let files: PackageServer
    let service: Service
    let addOns: string[]

    const api = moopanelApi(() => service.app)
    const settled = async (id: number) => {
      for (const until = Date.now() + 60_000; Date.now() < until; await sleep(100)) {
        const s = (await api(`/tasks/check?id=${id}&type=core_update`)).json as { status: number; error: string }
        if (s.status !== 2) return s
      }
      assert.fail(`job ${id} did not settle`)
    }
    const corePackage = (version: string, release: string, extra: Record<string, string> = {}) =>
      buildCorePackage(site.dir, addOns, { version, release }, extra)

    before(async () => {
      site = await createCodeChangeSite(engine, `core_${engine}`)
      panel = await startStandInPanel({ apiKey: TEST_KEY })
      files = await startPackageServer()
      const [row] = await site.query(`SELECT value FROM {config_plugins} WHERE plugin = 'core_plugin' AND name = 'recentresponse'`)
      const response = String(row!['value']).replaceAll('https:\\/\\/download.moodle.org\\/download.php', `${files.origin.replaceAll('/', '\\/')}\\/core`)
      await site.query(`UPDATE {config_plugins} SET value = ? WHERE plugin = 'core_plugin' AND name = 'recentresponse'`, [response])
      service = await createService(
        parseConfig({
          moodle_dir: site.dir, api_key: TEST_KEY, state_url: site.stateUrl, log_level: 'silent', php_binary: FAKE_PHP,
          code_staging_dir: site.staging, moopanel_url: panel.url, download_allow_http: true, download_allowed_hosts: ['127.0.0.1'],
        }),
      )
      addOns = ((await api('/plugins')).json.plugins as Array<{ is_standard: boolean; directory: string | null }>)
        .filter((p) => !p.is_standard && p.directory)
        .map((p) => p.directory!.replace(/^\/+/, ''))
      assert.ok(addOns.includes('blocks/xp'))
    })
    after(async () => {
      await service?.close()
      await panel?.stop()
      await files?.stop()
      await site?.drop()
    })

    it('validates the request in the documented order', async () => {
      const cases: Array<[unknown, string]> = [
        [{}, 'Bad Request - Please provide a valid instance ID.'],
        [{ instance_id: 1 }, 'Bad Request - Please provide update ID.'],
        [{ instance_id: 1, update_id: 2 }, 'Bad request - no core version specified.'],
        [{ instance_id: 1, update_id: 2, version: '' }, 'Bad request - no core version specified.'],
        [{ instance_id: 1, update_id: 2, version: '2024100707' }, 'Bad request - no download link specified.'],
        [{ instance_id: 1, update_id: 2, version: '2024100707', download: 'x', user_id: 'me' }, "Bad Request - Invalid field 'user_id'."],
        [{ instance_id: 1, update_id: 2, version: '2030010100', download: 'x' }, 'Bad request - Moodle version not found in available updates.'],
      ]
      for (const [data, error] of cases) {
        const res = await api('/moodle_core', 'POST', data)
        assert.equal(res.status, 400, JSON.stringify(data))
        assert.deepEqual(res.json, { error }, JSON.stringify(data))
      }
    })

    it('updates the core: new tree with config.php and add-ons carried over, upgrade, maintenance off, callback', { timeout: 120_000 }, async () => {
      files.files.set('/core/direct/stable405/moodle-4.5.7.zip', await corePackage('2024100707.00', '4.5.7 (Build: 20251006)'))
      const config = await readFile(join(site.dir, 'config.php'), 'utf8')
      const res = await api('/moodle_core/update', 'POST', { instance_id: 3, update_id: 77, version: 2024100707, download: 'https://ignored.example/x.zip', user_id: 4, type: 'core-minor' })
      assert.equal(res.status, 200, res.body)
      assert.equal(res.json.message, 'Core update in progress.')
      const id = res.json.moodle_job_id as number
      // While it is unfinished, other code changes are refused (§5.3 rule 3).
      const busy = await api('/plugins/updates', 'POST', { instance_id: 3, updates: [{ model_id: 1, component: 'block_xp', version: '1' }] })
      if (busy.status === 503) assert.equal(busy.headers['retry-after'], '15')

      assert.deepEqual(await settled(id), { status: 1, error: '' })
      const sent = panel.requests.find((r) => r.route === '6.5' && r.status === 200)!
      assert.equal(sent.url, '/api/updates/core/instance/3')
      assert.deepEqual(sent.json, { status: true, moodle_job_id: id, user_id: 4, update_id: 77, message: 'Core update completed.' })
      assert.match(await readFile(join(site.dir, 'version.php'), 'utf8'), /2024100707\.00/)
      assert.equal(await readFile(join(site.dir, 'config.php'), 'utf8'), config)
      assert.ok(await exists(join(site.dir, 'blocks', 'xp', 'version.php')), 'add-on carried over')
      assert.ok(!(await exists(join(site.dataroot, 'climaintenance.html'))), 'maintenance is off')
      assert.ok(await exists(join(site.staging, 'rollback', String(id), 'moodle', 'version.php')), 'old tree kept for rollback')
      const [row] = await site.query(`SELECT value FROM {config} WHERE name = 'version'`)
      assert.equal(String(row!['value']), '2024100707.00')
    })

    it('restores the old tree when the upgrade fails before the database moved on, and reports the failure', { timeout: 120_000 }, async () => {
      const stored = JSON.parse(String((await site.query(`SELECT value FROM {config_plugins} WHERE plugin = 'core_plugin' AND name = 'recentresponse'`))[0]!['value']))
      const five = stored.updates.core.find((u: { release: string }) => u.release.startsWith('5.0'))
      files.files.set(new URL(five.download).pathname, await corePackage('2025041400.00', '5.0 (Build: 20250414)', { '.fake-upgrade-fail': '' }))
      const before = await readFile(join(site.dir, 'version.php'), 'utf8')
      const res = await api('/moodle_core', 'POST', { instance_id: 3, update_id: 78, version: '2025041400', download: 'x' })
      assert.equal(res.status, 200, res.body)
      const id = res.json.moodle_job_id as number
      const final = await settled(id)
      assert.equal(final.status, 3)
      assert.match(final.error, /^Upgrade failed; previous version restored\./)
      const sent = panel.requests.find((r) => r.route === '6.5' && (r.json as { moodle_job_id: number }).moodle_job_id === id && r.status === 200)!
      assert.equal((sent.json as { status: boolean }).status, false)
      assert.equal(await readFile(join(site.dir, 'version.php'), 'utf8'), before, 'old tree back')
      assert.ok(!(await exists(join(site.dir, '.fake-upgrade-fail'))))
      assert.ok(!(await exists(join(site.dataroot, 'climaintenance.html'))), 'maintenance is off after a failure too')
    })
  })
}
