/**
 * moopanel-api.md §5.3 rule 3 with an unreachable panel: a `core_update` job refuses plugin
 * updates, ZIP installs, further core updates and uninstalls only while it has not finished its
 * change (queued, running, waiting to retry). Once its change is complete and only its callback is
 * pending (`reporting`, the callback retried against a closed port), those requests are accepted.
 * On PostgreSQL and, when configured, MariaDB.
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseConfig } from '../src/config/index.ts'
import { findJob } from '../src/jobs/index.ts'
import { createService, type Service } from '../src/service.ts'
import { buildCorePackage } from './support/core-package.ts'
import { createCodeChangeSite, FAKE_PHP, siteEngines, type CodeChangeSite } from './support/code-change-site.ts'
import { startPackageServer, type PackageServer } from './support/package-server.ts'
import { moopanelApi } from './support/moopanel-inject.ts'
import { TEST_KEY } from './support/start-fixture-service.ts'

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as { port: number }
  await new Promise<void>((done) => server.close(() => done()))
  return port
}

for (const engine of siteEngines()) {
  describe(`core update awaiting its callback (${engine})`, () => {
    let site: CodeChangeSite
    let files: PackageServer
    let service: Service | undefined
    let moopanelUrl: string
    let coreJob = 0

    const api = moopanelApi(() => service!.app)
    const start = async (workers: 'in-process' | 'off') => {
      service = await createService(
        parseConfig({
          moodle_dir: site.dir, api_key: TEST_KEY, state_url: site.stateUrl, log_level: 'silent', php_binary: FAKE_PHP,
          code_staging_dir: site.staging, moopanel_url: moopanelUrl, download_allow_http: true, download_allowed_hosts: ['127.0.0.1'],
          job_workers: workers,
        }),
      )
    }
    const setState = (id: number, state: string) =>
      service!.store.db.updateTable('store_jobs').set({ state }).where('id', '=', id).execute()
    const codeChanges = () => ({
      updates: () => api('/plugins/updates', 'POST', { instance_id: 3, updates: [{ model_id: 1, component: 'block_xp', version: '2025100500' }] }),
      installzip: () => api('/plugins/installzip', 'POST', { instance_id: 3, updates: [`${files.origin}/zips/none.zip`] }),
      core: () => api('/moodle_core', 'POST', { instance_id: 3, update_id: 90, version: '2025041400', download: 'x' }),
      uninstall: () => api('/plugin/uninstall?plugin=format_multitopic', 'POST', { confirm: true }),
    })

    before(async () => {
      site = await createCodeChangeSite(engine, `corecb_${engine}`)
      files = await startPackageServer()
      moopanelUrl = `http://127.0.0.1:${await closedPort()}`
      const [row] = await site.query(`SELECT value FROM {config_plugins} WHERE plugin = 'core_plugin' AND name = 'recentresponse'`)
      const response = String(row!['value']).replaceAll('https:\\/\\/download.moodle.org\\/download.php', `${files.origin.replaceAll('/', '\\/')}\\/core`)
      await site.query(`UPDATE {config_plugins} SET value = ? WHERE plugin = 'core_plugin' AND name = 'recentresponse'`, [response])
      const addOns = ['blocks/xp', 'course/format/multitopic', 'theme/boost_union']
      files.files.set('/core/direct/stable405/moodle-4.5.7.zip', await buildCorePackage(site.dir, addOns, { version: '2024100707.00', release: '4.5.7 (Build: 20251006)' }))
    })
    after(async () => {
      await service?.close()
      await files?.stop()
      await site?.drop()
    })

    it('refuses code changes while the core update is queued, running or retrying its change', { timeout: 60_000 }, async () => {
      await start('off') // nothing runs the job: it stays queued
      const res = await api('/moodle_core/update', 'POST', { instance_id: 3, update_id: 77, version: 2024100707, download: 'https://ignored.example/x.zip', user_id: 4, type: 'core-minor' })
      assert.equal(res.status, 200, res.body)
      coreJob = res.json.moodle_job_id as number
      for (const state of ['queued', 'running', 'retry_wait']) {
        await setState(coreJob, state)
        for (const [name, call] of Object.entries(codeChanges())) {
          const refused = await call()
          assert.equal(refused.status, 503, `${name} while the core update is ${state}: ${refused.body}`)
          assert.deepEqual(refused.json, { error: 'Service Unavailable - try again later.' })
          assert.equal(refused.headers['retry-after'], '15')
        }
      }
      await setState(coreJob, 'queued')
      await service!.close()
      service = undefined
    })

    it('accepts them once the change is complete and only the callback is pending', { timeout: 120_000 }, async () => {
      assert.ok(coreJob > 0, 'the first test queued the core update')
      await start('in-process')
      // The worker updates the core; the callback to the closed port fails and is retried later.
      const callbackRetrying = async () =>
        (await service!.store.db.selectFrom('store_jobs').select(['state', 'attempts']).where('type', '=', 'callback.send').execute())
          .some((j) => j.state === 'retry_wait' && Number(j.attempts) >= 1)
      for (const until = Date.now() + 90_000; ; await sleep(100)) {
        if ((await findJob(service!.store, coreJob))?.state === 'reporting' && (await callbackRetrying())) break
        assert.ok(Date.now() < until, `core update ${coreJob} did not reach reporting with its callback retrying`)
      }
      const check = (await api(`/tasks/check?id=${coreJob}&type=core_update`)).json as { status: number }
      assert.equal(check.status, 2, 'still in progress for MooPanel until the callback is settled')

      const calls = codeChanges()
      const uninstall = await calls.uninstall()
      assert.equal(uninstall.status, 200, uninstall.body)
      assert.deepEqual(uninstall.json, { uninstalled: true, removed: true })
      const updates = await calls.updates()
      assert.equal(updates.status, 200, updates.body)
      assert.equal(updates.json.status, true)
      const installzip = await calls.installzip()
      assert.equal(installzip.status, 200, installzip.body)
      assert.equal(installzip.json.message, 'Plugins install in progress.')
      assert.equal((await findJob(service!.store, coreJob))?.state, 'reporting', 'the core update still awaits its callback')
      const core = await calls.core()
      assert.equal(core.status, 200, `a further core update is accepted too: ${core.body}`)
    })
  })
}
