/**
 * Crash and restart (issue #3): the service is killed with SIGKILL in the middle of a plugin swap
 * (and, separately, while Moodle's upgrade runs), then started again. The plugin folder is always
 * the old one or the new one — never a mix — and the job ends with its callback sent. The store
 * runs on the embedded engine (a pglite: directory), PostgreSQL and, when configured, MariaDB.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildZip } from '../src/packages/test-zip.ts'
import { buildCorePackage } from './support/core-package.ts'
import { createCodeChangeSite, FAKE_PHP, type CodeChangeSite, type SiteEngine } from './support/code-change-site.ts'
import { startPackageServer, type PackageServer } from './support/package-server.ts'
import { TEST_KEY } from './support/start-fixture-service.ts'
import { startStandInPanel, type StandInPanel } from './support/stand-in-panel.ts'
import { testEnv } from './support/test-env.ts'

const BIN = resolve(import.meta.dirname, '..', 'bin', 'moodle-bridge')
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex')
const exists = (p: string) => stat(p).then(() => true, () => false)

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => res(port))
    })
  })
}

const stores: Array<{ name: string; site: SiteEngine; skip: string | false }> = [
  { name: 'embedded engine', site: 'pgsql', skip: false },
  { name: 'PostgreSQL', site: 'pgsql', skip: false },
  { name: 'MariaDB', site: 'mariadb', skip: !process.env['MB_TEST_MYSQL_URL'] && 'MB_TEST_MYSQL_URL is not set' },
]

for (const store of stores) {
  describe(`crash and restart, store on ${store.name}`, { skip: store.skip }, () => {
    let site: CodeChangeSite
    let panel: StandInPanel
    let files: PackageServer
    let stateUrl: string
    let child: ChildProcess | undefined
    const children: ChildProcess[] = []
    let base = ''

    const start = async (crashAt?: string) => {
      const port = await freePort()
      base = `http://127.0.0.1:${port}/local/moopanel/server.php`
      child = spawn(process.execPath, [BIN, 'serve', '--moodle-dir', site.dir, '--state-url', stateUrl, '--port', String(port)], {
        env: {
          ...process.env,
          MOODLE_BRIDGE_API_KEY: TEST_KEY, MOODLE_BRIDGE_MOOPANEL_URL: panel.url, MOODLE_BRIDGE_OPS_LISTEN: 'off', MOODLE_BRIDGE_LOG_LEVEL: 'warn',
          MOODLE_BRIDGE_PHP_BINARY: FAKE_PHP, MOODLE_BRIDGE_CODE_STAGING_DIR: site.staging, MOODLE_BRIDGE_DOWNLOAD_ALLOW_HTTP: 'true',
          MOODLE_BRIDGE_DOWNLOAD_ALLOWED_HOSTS: '127.0.0.1', MOODLE_BRIDGE_JOB_LEASE_S: '5',
          ...(crashAt ? { MOODLE_BRIDGE_CRASH_AT: crashAt } : { MOODLE_BRIDGE_CRASH_AT: '' }),
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      })
      children.push(child)
      for (let i = 0; i < 200; i++) {
        const ok = await fetch(`${base}/`, { headers: { 'x-api-key': TEST_KEY } }).then((r) => r.ok, () => false)
        if (ok) return child
        await sleep(100)
      }
      assert.fail('service did not start')
    }
    const exited = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r())))
    const call = async (path: string, data?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method: data === undefined ? 'GET' : 'POST',
        headers: { 'x-api-key': TEST_KEY, ...(data === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(data === undefined ? {} : { body: JSON.stringify({ data }) }),
      })
      return (await res.json()) as Record<string, unknown>
    }
    const settled = async (id: number, type = 'plugins_update') => {
      for (let i = 0; i < 600; i++) {
        const s = await call(`/tasks/check?id=${id}&type=${type}`)
        if (s['status'] !== 2) return s
        await sleep(100)
      }
      assert.fail(`job ${id} did not settle`)
    }
    /** The plugin folder is entirely the old one or entirely the new one (or, between renames, absent). */
    const folderState = async (): Promise<'old' | 'new' | 'absent'> => {
      const dir = join(site.dir, 'blocks', 'xp')
      for (;;) {
        // Two reads are one observation only if the folder was not swapped in between (same inode).
        const before = await stat(dir).catch(() => null)
        if (!before) return 'absent'
        const version = await readFile(join(dir, 'version.php'), 'utf8').catch(() => null)
        const marker = await exists(join(dir, 'NEW_CODE'))
        const after = await stat(dir).catch(() => null)
        if (version === null || after?.ino !== before.ino) continue
        const isNew = version.includes('2025100500')
        assert.equal(marker, isNew, 'never a mix of old and new files')
        return isNew ? 'new' : 'old'
      }
    }
    /** Stops every service process a test left running (a failed test must not disturb the next). */
    const stopAll = async () => {
      for (const c of children) {
        if (c.exitCode === null && c.signalCode === null) {
          c.kill('SIGKILL')
          await exited(c)
        }
      }
    }

    before(async () => {
      site = await createCodeChangeSite(store.site, `crash_${store.name.replace(/\W/g, '')}`)
      stateUrl = store.name === 'embedded engine' ? `pglite://${await mkdtemp(join(testEnv().tmpDir, 'pglite-store-'))}` : site.stateUrl
      panel = await startStandInPanel({ apiKey: TEST_KEY })
      files = await startPackageServer()
      const zip = await buildZip({
        'xp/version.php': `<?php\n$plugin->component = 'block_xp';\n$plugin->version = 2025100500;\n$plugin->requires = 2024100100;\n`,
        'xp/NEW_CODE': 'new',
        'xp/.fake-upgrade-sleep': '1500',
      })
      files.files.set('/plugins/39387/block_xp_moodle45_2025100500.zip', zip)
      const [row] = await site.query(`SELECT value FROM {config_plugins} WHERE plugin = 'core_plugin' AND name = 'recentresponse'`)
      const response = String(row!['value'])
        .replaceAll('https:\\/\\/moodle.org\\/plugins\\/download.php', `${files.origin.replaceAll('/', '\\/')}\\/plugins`)
        .replaceAll('https:\\/\\/download.moodle.org\\/download.php', `${files.origin.replaceAll('/', '\\/')}\\/core`)
        .replace('436e45e54904ce639401de6a9c2c84ae', md5(zip))
      await site.query(`UPDATE {config_plugins} SET value = ? WHERE plugin = 'core_plugin' AND name = 'recentresponse'`, [response])
    })
    after(async () => {
      for (const c of children) {
        if (c.exitCode === null && c.signalCode === null) {
          c.kill('SIGTERM')
          await exited(c)
        }
      }
      await panel?.stop()
      await files?.stop()
      await site?.drop()
    })

    it('completes a plugin swap interrupted by SIGKILL between its two renames', { timeout: 120_000 }, async () => {
      const first = await start('plugin-swap-between-renames')
      assert.equal(await folderState(), 'old')
      const res = await call('/plugins/updates', { instance_id: 4, updates: [{ model_id: 1, component: 'block_xp', version: '2025100500' }] })
      const id = res['moodle_job_id'] as number
      assert.ok(Number.isInteger(id))
      await exited(first)
      assert.equal(first.signalCode, 'SIGKILL')
      assert.equal(await folderState(), 'absent', 'killed between the renames: the old folder is aside, the new one staged')

      await start()
      assert.deepEqual(await settled(id), { status: 1, error: '' })
      assert.equal(await folderState(), 'new')
      const [row] = await site.query(`SELECT value FROM {config_plugins} WHERE plugin = 'block_xp' AND name = 'version'`)
      assert.equal(String(row!['value']), '2025100500')
      const sent = panel.requests.filter((r) => r.route === '6.6' && r.status === 200)
      assert.equal(sent.length, 1, 'the callback is sent once')
      assert.deepEqual((sent[0]!.json as { updates: unknown[] }).updates, [{ model_id: 1, status: true, component: 'block_xp', error: null }])
      child!.kill('SIGTERM')
      await exited(child!)
    })

    it('resumes after SIGKILL while Moodle upgrades: the swap stays, the upgrade result decides', { timeout: 120_000 }, async () => {
      await stopAll()
      // Back to the old version in the database and the old code on disk, to update again.
      const rollbackRoot = join(site.staging, 'rollback')
      const [jobDir] = await readdir(rollbackRoot)
      const oldFolder = join(rollbackRoot, jobDir!, 'block_xp')
      await import('node:fs/promises').then(async (fs) => {
        await fs.rm(join(site.dir, 'blocks', 'xp'), { recursive: true })
        await fs.rename(oldFolder, join(site.dir, 'blocks', 'xp'))
      })
      await site.query(`UPDATE {config_plugins} SET value = '2025041303' WHERE plugin = 'block_xp' AND name = 'version'`)
      const first = await start()
      const res = await call('/plugins/updates', { instance_id: 4, user_id: 2, updates: [{ model_id: 2, component: 'block_xp', version: '2025100500' }] })
      const id = res['moodle_job_id'] as number
      // Wait until the swap is done and the (slow) upgrade runs, then kill -9 from outside.
      for (let i = 0; i < 200 && (await folderState()) !== 'new'; i++) await sleep(25)
      first.kill('SIGKILL')
      await exited(first)
      assert.equal(await folderState(), 'new')
      await start()
      assert.deepEqual(await settled(id), { status: 1, error: '' })
      assert.equal(await folderState(), 'new')
      const sent = panel.requests.filter((r) => r.route === '6.6' && r.status === 200 && (r.json as { moodle_job_id: number }).moodle_job_id === id)
      assert.equal(sent.length, 1)
      await writeFile(join(site.dir, 'blocks', 'xp', 'NEW_CODE'), 'new')
      child!.kill('SIGTERM')
      await exited(child!)
    })

    it('finishes a core update killed between the two renames of the Moodle root, and switches maintenance off', { timeout: 180_000 }, async () => {
      await stopAll()
      const addOns = ['blocks/xp', 'course/format/multitopic', 'theme/boost_union', 'local/moopanel']
      files.files.set('/core/direct/stable405/moodle-4.5.7.zip', await buildCorePackage(site.dir, addOns, { version: '2024100707.00', release: '4.5.7 (Build: 20251006)' }))
      const first = await start('core-swap-between-renames')
      const res = await call('/moodle_core', { instance_id: 4, update_id: 9, version: '2024100707', download: 'x' })
      const id = res['moodle_job_id'] as number
      assert.ok(Number.isInteger(id), JSON.stringify(res))
      await exited(first)
      assert.equal(first.signalCode, 'SIGKILL')
      assert.ok(!(await exists(join(site.dir, 'version.php'))), 'killed between the renames: no Moodle root for an instant')
      assert.ok(await exists(join(site.dataroot, 'climaintenance.html')), 'maintenance was on')

      await start()
      assert.deepEqual(await settled(id, 'core_update'), { status: 1, error: '' })
      assert.match(await readFile(join(site.dir, 'version.php'), 'utf8'), /2024100707\.00/)
      assert.ok(await exists(join(site.dir, 'config.php')))
      assert.ok(await exists(join(site.dir, 'blocks', 'xp', 'version.php')), 'add-on carried over')
      assert.ok(!(await exists(join(site.dataroot, 'climaintenance.html'))), 'maintenance is off again')
      const sent = panel.requests.filter((r) => r.route === '6.5' && r.status === 200)
      assert.equal(sent.length, 1)
      assert.deepEqual(sent[0]!.json, { status: true, moodle_job_id: id, user_id: null, update_id: 9, message: 'Core update completed.' })
    })
  })
}
