/**
 * Plugins installed in the database whose folder was removed without uninstalling (issue #10,
 * point 1), as Moodle's plugin manager reports them: named by their bare name, no update offered,
 * no dependencies, not enabled, no directory; a subplugin type whose parent's code is gone listed
 * as orphaned after every known type. /plugins, /plugin, POST /plugins/updates (refused item by
 * item with "Update not found") and POST /plugin/uninstall (Moodle uninstalls a missing add-on;
 * there is no folder to move). The test install directory lacks `blocks/xp` (an add-on with stored
 * updates) and `mod/forum` (a standard plugin with the subplugin type `forumreport`). On PostgreSQL
 * and, when configured, MariaDB.
 */
import assert from 'node:assert/strict'
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseConfig } from '../src/config/index.ts'
import { createService, type Service } from '../src/service.ts'
import { createCodeChangeSite, FAKE_PHP, siteEngines, type CodeChangeSite } from './support/code-change-site.ts'
import { moopanelApi } from './support/moopanel-inject.ts'
import { TEST_KEY } from './support/start-fixture-service.ts'
import { startStandInPanel, type StandInPanel } from './support/stand-in-panel.ts'
import { readExpected } from './support/test-env.ts'

interface Element {
  plugin: string
  plugintype: string
  display_name: string
  component: string
  version: string
  enabled: boolean
  is_standard: boolean
  has_updates: boolean
  settings_section: string | null
  directory: string | null
  update_available?: unknown[]
  update_log?: unknown[]
}

const REMOVED = ['block_xp', 'mod_forum', 'forumreport_summary']

for (const engine of siteEngines()) {
  describe(`plugins installed but missing from disk (${engine})`, () => {
    let site: CodeChangeSite
    let panel: StandInPanel
    let service: Service
    const api = moopanelApi(() => service.app)
    const expected = readExpected<{ plugins: Element[] }>('plugins', engine)
    const expectedOf = (component: string) => expected.plugins.find((p) => p.component === component)!
    const list = async (query = '?displayupdates&displayupdateslog') => (await api(`/plugins${query}`)).json.plugins as Element[]

    before(async () => {
      site = await createCodeChangeSite(engine, `missing_${engine}`)
      await rm(join(site.dir, 'blocks', 'xp'), { recursive: true })
      await rm(join(site.dir, 'mod', 'forum'), { recursive: true })
      panel = await startStandInPanel({ apiKey: TEST_KEY })
      service = await createService(
        parseConfig({
          moodle_dir: site.dir, api_key: TEST_KEY, state_url: site.stateUrl, log_level: 'silent', php_binary: FAKE_PHP,
          code_staging_dir: site.staging, moopanel_url: panel.url,
        }),
      )
    })
    after(async () => {
      await service?.close()
      await panel?.stop()
      await site?.drop()
    })

    it('/plugins lists them as Moodle does: bare name, no update, not enabled, no directory', async () => {
      const plugins = await list()
      const byComponent = new Map(plugins.map((p) => [p.component, p]))
      assert.deepEqual(byComponent.get('block_xp'), {
        plugin: 'xp', plugintype: 'block', display_name: 'xp', component: 'block_xp', version: '2025041303',
        enabled: false, is_standard: false, has_updates: false, settings_section: 'blocksettingxp', directory: null,
        update_available: [], update_log: expectedOf('block_xp').update_log,
      })
      assert.deepEqual(byComponent.get('mod_forum'), {
        plugin: 'forum', plugintype: 'mod', display_name: 'forum', component: 'mod_forum', version: '2024100700',
        enabled: false, is_standard: true, has_updates: false, settings_section: 'modsettingforum', directory: null,
        update_available: [], update_log: expectedOf('mod_forum').update_log,
      })
      // Its parent's code gone, `forumreport` is an orphaned subplugin type: no settings section.
      assert.deepEqual(byComponent.get('forumreport_summary'), {
        plugin: 'summary', plugintype: 'forumreport', display_name: 'summary', component: 'forumreport_summary',
        version: '2024100700', enabled: false, is_standard: true, has_updates: false, settings_section: null,
        directory: null, update_available: [], update_log: expectedOf('forumreport_summary').update_log,
      })
      // Everything else as the original plugin answered on the complete site.
      const others = plugins.filter((p) => !REMOVED.includes(p.component))
      assert.equal(others.length, expected.plugins.length - REMOVED.length)
      for (const p of others) {
        const e = expectedOf(p.component)
        assert.deepEqual([p.display_name, p.has_updates, p.enabled, p.directory], [e.display_name, e.has_updates, e.enabled, e.directory], p.component)
      }
      assert.equal(byComponent.get('format_multitopic')!.has_updates, true, 'add-ons on disk keep their updates')
    })

    it('/plugins orders them after the plugins on disk of their type, orphaned types last', async () => {
      const components = (await list('')).map((p) => p.component)
      const mods = components.filter((c) => c.startsWith('mod_'))
      assert.equal(mods.at(-1), 'mod_forum', 'missing from disk: after mod_workshop')
      assert.deepEqual(mods.slice(0, -1), expected.plugins.map((p) => p.component).filter((c) => c.startsWith('mod_') && c !== 'mod_forum'))
      assert.equal(components.at(-1), 'forumreport_summary')
      const blocks = components.filter((c) => c.startsWith('block_'))
      assert.equal(blocks.at(-1), 'block_xp')
    })

    it('/plugin describes them with no disk facts and every stored update, as Moodle does', async () => {
      const res = await api('/plugin?plugin=block_xp&displayupdates&displayupdateslog&displayconfig')
      assert.equal(res.status, 200, res.body)
      const original = readExpected<Record<string, unknown>>('plugin-block_xp', engine)
      assert.deepEqual(res.json.plugininfo, {
        type: 'block', typerootdir: '/blocks', name: 'xp', displayname: 'xp', source: 'ext', rootdir: null,
        versiondisk: null, versiondb: '2025041303', versionrequires: null, pluginsupported: null, pluginincompatible: null,
        release: null, dependencies: {}, instances: null, sortorder: null, supported: null, incompatible: null,
        component: 'block_xp',
      })
      // Moodle's update checker lists the stored entries whatever the code on disk (versions as strings, §3).
      const stored = (original['update_available'] as Array<Record<string, unknown>>).map((u) => ({ ...u, version: String(u['version']) }))
      assert.deepEqual(res.json.update_available, stored)
      assert.deepEqual(res.json.update_log, original['update_log'])
      assert.equal(typeof res.json.pluginconfig, 'object')

      const forum = (await api('/plugin?plugin=mod_forum')).json.plugininfo
      assert.deepEqual([forum.displayname, forum.source, forum.rootdir, forum.versiondisk, forum.dependencies], ['forum', 'std', null, null, {}])
      const summary = (await api('/plugin?plugin=forumreport_summary')).json.plugininfo
      assert.deepEqual([summary.type, summary.displayname, summary.source, summary.rootdir, summary.versiondb], ['forumreport', 'summary', 'std', null, '2024100700'])
    })

    it('refuses an update of a plugin whose code is missing with "Update not found", touching nothing', { timeout: 60_000 }, async () => {
      const res = await api('/plugins/updates', 'POST', {
        instance_id: 7,
        updates: [
          { model_id: 21, component: 'block_xp', version: '2025100500', download: null },
          { model_id: 22, component: 'block_xp', version: '2025041303' },
        ],
      })
      assert.equal(res.status, 200, res.body)
      const id = res.json.moodle_job_id as number
      let final: { status: number; error: string } | undefined
      for (const until = Date.now() + 30_000; Date.now() < until; await sleep(100)) {
        const s = (await api(`/tasks/check?id=${id}&type=plugins_update`)).json as { status: number; error: string }
        if (s.status !== 2) {
          final = s
          break
        }
      }
      assert.deepEqual(final, { status: 3, error: '2 of 2 updates failed: block_xp: Update not found' })
      const sent = panel.requests.find((r) => r.route === '6.6' && (r.json as { moodle_job_id?: number }).moodle_job_id === id)
      assert.deepEqual((sent?.json as { updates: unknown[] }).updates, [
        { model_id: 21, status: false, component: 'block_xp', error: 'Update not found' },
        { model_id: 22, status: false, component: 'block_xp', error: 'Update not found' },
      ])
      assert.deepEqual(await readdir(join(site.dir, 'blocks')).then((names) => names.includes('xp')), false, 'no code installed')
      const [row] = await site.query(`SELECT value FROM {config_plugins} WHERE plugin = 'block_xp' AND name = 'version'`)
      assert.equal(row?.['value'], '2025041303')
    })

    it('uninstalls a missing add-on through Moodle (no folder to move), refuses a missing standard plugin', { timeout: 60_000 }, async () => {
      const refused = await api('/plugin/uninstall?plugin=mod_forum', 'POST', { confirm: true })
      assert.deepEqual([refused.status, refused.json], [400, { error: 'Plugin can not be uninstalled.' }])
      const orphan = await api('/plugin/uninstall?plugin=forumreport_summary', 'POST', { confirm: true })
      assert.deepEqual([orphan.status, orphan.json], [400, { error: 'Plugin can not be uninstalled.' }])

      const res = await api('/plugin/uninstall?plugin=block_xp', 'POST', { confirm: true })
      assert.deepEqual([res.status, res.json], [200, { uninstalled: true, removed: false }])
      assert.ok(!(await list('')).some((p) => p.component === 'block_xp'), 'no longer listed')
      assert.deepEqual((await api('/plugin?plugin=block_xp')).json, { error: 'Plugin not exist.' })
      assert.ok((await list('')).some((p) => p.component === 'mod_forum'), 'the refused one stays')
    })
  })
}
