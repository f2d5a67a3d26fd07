/**
 * A core update from a classic-layout 4.5 site to a 5.1 package with the `public/` layout (issue
 * #10 point 6, moopanel-api.md §5.8): the whole installation root is swapped, config.php stays at
 * the root, add-on plugins move into the new tree's `public/`, the upgrade runs from
 * `public/admin/cli`, and the running service reads the site in its new layout at once. The stored
 * update response (fetched on 4.5) names 5.1 in place of 5.0; the package is served locally and
 * Moodle's upgrade is played by the stand-in PHP CLI. On PostgreSQL and, when configured, MariaDB.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseConfig } from '../src/config/index.ts'
import { buildZip } from '../src/packages/test-zip.ts'
import { createService, type Service } from '../src/service.ts'
import { buildTestMoodleDir } from './support/build-test-moodle-dir.ts'
import { createCodeChangeSite, FAKE_PHP, siteEngines, type CodeChangeSite } from './support/code-change-site.ts'
import { RELEASES } from './support/moodle-releases.ts'
import { moopanelApi } from './support/moopanel-inject.ts'
import { startPackageServer, type PackageServer } from './support/package-server.ts'
import { TEST_KEY } from './support/start-fixture-service.ts'
import { startStandInPanel, type StandInPanel } from './support/stand-in-panel.ts'
import { testEnv } from './support/test-env.ts'

const exists = (p: string) => stat(p).then(() => true, () => false)
const FIVE_ONE = RELEASES['5.1'].core!

async function files(dir: string, root = dir): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await files(path, root)))
    else out.push(relative(root, path))
  }
  return out
}

/** A 5.1 package: a 5.1-layout tree built for tests, without the root config.php and without add-ons. */
async function fiveOnePackage(addOns: readonly string[]): Promise<Buffer> {
  const target = await mkdtemp(join(testEnv().tmpDir, 'moodle-51-package-'))
  try {
    const tree = await buildTestMoodleDir({
      target, release: '5.1', dbtype: 'pgsql', wwwroot: 'http://unused.example', dataroot: join(target, 'unused-data'),
      db: { host: 'unused', port: 1, name: 'unused', user: 'unused', pass: '' },
    })
    const entries: Record<string, Buffer> = {}
    for (const rel of await files(tree.dir)) {
      if (rel === 'config.php' || rel.startsWith('unused-data') || addOns.some((a) => rel.startsWith(`public/${a}/`))) continue
      entries[`moodle/${rel}`] = await readFile(join(tree.dir, rel))
    }
    return buildZip(entries)
  } finally {
    await rm(target, { recursive: true, force: true })
  }
}

for (const engine of siteEngines()) {
  describe(`core update to the public/ layout (${engine})`, () => {
    let site: CodeChangeSite
    let panel: StandInPanel
    let server: PackageServer
    let service: Service
    let addOns: string[]
    const api = moopanelApi(() => service.app)

    before(async () => {
      site = await createCodeChangeSite(engine, `core51_${engine}`)
      panel = await startStandInPanel({ apiKey: TEST_KEY })
      server = await startPackageServer()
      const [row] = await site.query(`SELECT value FROM {config_plugins} WHERE plugin = 'core_plugin' AND name = 'recentresponse'`)
      const stored = JSON.parse(String(row!['value']))
      const five = stored.updates.core.find((u: { release: string }) => u.release.startsWith('5.0'))
      Object.assign(five, { version: FIVE_ONE.version_text, release: FIVE_ONE.release, download: `${server.origin}/core/moodle-5.1.zip`, downloadmd5: null })
      await site.query(`UPDATE {config_plugins} SET value = ? WHERE plugin = 'core_plugin' AND name = 'recentresponse'`, [JSON.stringify(stored)])
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
      await server?.stop()
      await site?.drop()
    })

    it('swaps the whole root: config.php kept at the root, code and add-ons under public/, upgrade from public/admin/cli', { timeout: 180_000 }, async () => {
      assert.equal(service.moodle.layout, 'classic')
      server.files.set('/core/moodle-5.1.zip', await fiveOnePackage(addOns))
      const config = await readFile(join(site.dir, 'config.php'), 'utf8')
      const res = await api('/moodle_core', 'POST', { instance_id: 3, update_id: 79, version: String(FIVE_ONE.version), download: 'x', user_id: 4 })
      assert.equal(res.status, 200, res.body)
      const id = res.json.moodle_job_id as number
      let state: { status: number; error: string } | undefined
      for (const until = Date.now() + 150_000; Date.now() < until; await sleep(100)) {
        state = (await api(`/tasks/check?id=${id}&type=core_update`)).json as { status: number; error: string }
        if (state.status !== 2) break
      }
      assert.deepEqual(state, { status: 1, error: '' })

      assert.equal(await readFile(join(site.dir, 'config.php'), 'utf8'), config, 'the root config.php carried over')
      assert.match(await readFile(join(site.dir, 'public', 'version.php'), 'utf8'), new RegExp(FIVE_ONE.version_text.replace('.', '\\.')))
      assert.ok(!(await exists(join(site.dir, 'version.php'))), 'no classic code left in the root')
      for (const dir of addOns) assert.ok(await exists(join(site.dir, 'public', dir, 'version.php')), `add-on ${dir} under public/`)
      assert.ok(await exists(join(site.staging, 'rollback', String(id), 'moodle', 'version.php')), 'old classic tree kept for rollback')
      assert.ok(!(await exists(join(site.dataroot, 'climaintenance.html'))), 'maintenance is off')
      const [row] = await site.query(`SELECT value FROM {config} WHERE name = 'version'`)
      assert.equal(String(row!['value']), FIVE_ONE.version_text)

      // The running service follows the new layout.
      assert.equal(service.moodle.layout, 'public')
      assert.equal(service.moodle.root, site.dir)
      assert.equal(service.moodle.dirroot, join(site.dir, 'public'))
      const plugins = (await api('/plugins')).json.plugins as Array<{ component: string; directory: string | null }>
      assert.equal(plugins.find((p) => p.component === 'block_xp')?.directory, '/blocks/xp')
      assert.equal(plugins.find((p) => p.component === 'mod_forum')?.directory, '/mod/forum')
      const plugin = await api('/plugin?plugin=block_xp')
      assert.equal(plugin.json.plugininfo.rootdir, '/blocks/xp')
    })
  })
}
