/**
 * Warm start (issue #10 point 2): what first requests would build (plugin inventory, site identity,
 * settings, the saved /plugins and /moodle_core replies) is built before `/readyz` says ready; until
 * then it answers 503 with the reason. A site that cannot be read fails the warm-up without
 * stopping the process: it is reported and retried. Real HTTP on both listeners; PostgreSQL and,
 * when configured, MariaDB.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseConfig } from '../src/config/index.ts'
import { inventoryBuildCount } from '../src/moodle/index.ts'
import { createService, type Service, type ServiceSetup } from '../src/service.ts'
import { createCodeChangeSite, siteEngines, type CodeChangeSite } from './support/code-change-site.ts'
import { TEST_KEY } from './support/start-fixture-service.ts'

for (const engine of siteEngines()) {
  describe(`warm start (${engine})`, () => {
    let site: CodeChangeSite
    let service: Service | undefined
    let urls: { api: string; ops: string | null }

    const start = async (setup: ServiceSetup = {}) => {
      service = await createService(
        parseConfig({ moodle_dir: site.dir, api_key: TEST_KEY, state_url: site.stateUrl, log_level: 'silent', port: 0, host: '127.0.0.1', ops_listen: '127.0.0.1:0', job_workers: 'off' }),
        setup,
      )
      urls = await service.listen()
    }
    const stop = async () => {
      await service?.close()
      service = undefined
    }
    const readyz = async () => {
      const res = await fetch(`${urls.ops}/readyz`)
      return { status: res.status, json: (await res.json()) as Record<string, unknown> }
    }
    const waitReady = async (withinS: number) => {
      for (const until = Date.now() + withinS * 1000; ; await sleep(50)) {
        const ready = await readyz()
        if (ready.status === 200) return ready
        assert.ok(Date.now() < until, `not ready within ${withinS} s: ${JSON.stringify(ready.json)}`)
      }
    }
    const get = async (path: string) => {
      const res = await fetch(`${urls.api}/local/moopanel/server.php${path}`, { headers: { 'x-api-key': TEST_KEY } })
      return { status: res.status, body: await res.text() }
    }

    before(async () => {
      site = await createCodeChangeSite(engine, `warm_${engine}`)
    })
    after(async () => {
      await stop()
      await site?.drop()
    })

    it('answers /readyz 503 until the warm-up is done; the first /plugins then builds no inventory', { timeout: 60_000 }, async () => {
      let release!: () => void
      const held = new Promise<void>((resolve) => (release = resolve))
      await start({ warmUpGate: () => held })
      try {
        const before = await readyz()
        assert.equal(before.status, 503)
        assert.deepEqual(before.json, { status: 'unavailable', reason: 'warming up' })
        assert.equal(inventoryBuildCount(service!.moodle), 0, 'nothing built while the warm-up is held')
        release()
        assert.deepEqual((await waitReady(30)).json, { status: 'ok' })
        const built = inventoryBuildCount(service!.moodle)
        assert.ok(built >= 1, 'the warm-up built the inventory')

        const first = await get('/plugins?displayupdates&displayupdateslog')
        assert.equal(first.status, 200, first.body)
        assert.ok((JSON.parse(first.body) as { plugins: unknown[] }).plugins.length > 100)
        const core = await get('/moodle_core')
        assert.equal(core.status, 200, core.body)
        assert.equal(inventoryBuildCount(service!.moodle), built, 'the first requests after ready build no inventory')
        assert.equal((await get('/plugins?displayupdates&displayupdateslog')).body, first.body, 'the saved reply is the same bytes')
      } finally {
        release()
        await stop()
      }
    })

    it('reports a failed warm-up (a site that cannot be read) as not ready, keeps running and retries', { timeout: 90_000 }, async () => {
      await site.query('ALTER TABLE {upgrade_log} RENAME TO {upgrade_log}_away')
      let renamedBack = false
      try {
        await start()
        for (const until = Date.now() + 30_000; ; await sleep(100)) {
          const ready = await readyz()
          assert.equal(ready.status, 503, 'never ready while the site cannot be read')
          if (String(ready.json['reason']).startsWith('warm-up failed: ')) break
          assert.ok(Date.now() < until, `no failure reported: ${JSON.stringify(ready.json)}`)
        }
        const health = await fetch(`${urls.ops}/healthz`)
        assert.equal(health.status, 200, 'the process keeps running')
        await site.query('ALTER TABLE {upgrade_log}_away RENAME TO {upgrade_log}')
        renamedBack = true
        assert.deepEqual((await waitReady(45)).json, { status: 'ok' })
        const plugins = await get('/plugins?displayupdates&displayupdateslog')
        assert.equal(plugins.status, 200, plugins.body)
      } finally {
        if (!renamedBack) await site.query('ALTER TABLE {upgrade_log}_away RENAME TO {upgrade_log}').catch(() => undefined)
        await stop()
      }
    })
  })
}
