import assert from 'node:assert/strict'
import { chmod, chown, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Moodle } from '../moodle.ts'
import { setPhpRunAs } from './spawn-php.ts'
import { runMoodleScript } from './run-moodle-script.ts'

/** The stand-in PHP CLI (test/support/fake-php/php) behaves like Moodle's scripts (moodle.md §9). */
const PHP = resolve(import.meta.dirname, '../../../test/support/fake-php/php')

describe('runMoodleScript', () => {
  let root: string
  let moodle: Moodle

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'mb-cli-'))
    await chmod(root, 0o755)
    const dirroot = join(root, 'moodle')
    const dataroot = join(root, 'moodledata')
    await mkdir(join(dirroot, 'admin', 'cli'), { recursive: true })
    await mkdir(dataroot, { recursive: true })
    for (const s of ['upgrade', 'maintenance', 'backup', 'uninstall_plugins', 'purge_caches']) {
      await writeFile(join(dirroot, 'admin', 'cli', `${s}.php`), '<?php // stand-in\n')
    }
    await writeFile(join(dirroot, 'config.php'), `<?php\n$CFG->dataroot = '${dataroot}';\n`)
    moodle = { dirroot, dataroot, admin: 'admin', memo: new Map() } as unknown as Moodle
  })

  after(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('runs a script in the Moodle root and reports exit code, output and lines as they come', async () => {
    const lines: string[] = []
    const r = await runMoodleScript(moodle, 'maintenance', {
      phpBinary: PHP, args: ['--enable'], timeoutMs: 10_000, onLine: (stream, line) => lines.push(`${stream}:${line}`),
    })
    assert.equal(r.exitCode, 0)
    assert.equal(r.timedOut, false)
    assert.match(r.stdout, /CLI maintenance mode is enabled/)
    assert.ok(lines.includes('stdout:CLI maintenance mode is enabled'))
    assert.ok((await stat(join(moodle.dataroot!, 'climaintenance.html'))).isFile())
    await runMoodleScript(moodle, 'maintenance', { phpBinary: PHP, args: ['--disable'], timeoutMs: 10_000 })
    await assert.rejects(stat(join(moodle.dataroot!, 'climaintenance.html')))
  })

  it('passes failures through: unknown options exit 1 with the message on stderr', async () => {
    const r = await runMoodleScript(moodle, 'upgrade', { phpBinary: PHP, args: ['--non-interactive', '--bogus'], timeoutMs: 10_000 })
    assert.equal(r.exitCode, 1)
    assert.match(r.stderr, /Unrecognised options/)
  })

  it('writes a course backup where asked, and reports success only in its output', async () => {
    const dest = join(root, 'staging')
    await mkdir(dest)
    const ok = await runMoodleScript(moodle, 'backup', { phpBinary: PHP, args: ['--courseid=5', `--destination=${dest}`], timeoutMs: 10_000 })
    assert.equal(ok.exitCode, 0)
    assert.match(ok.stdout, /Backup completed\./)
    assert.equal((await readdir(dest)).length, 1)
    const missing = await runMoodleScript(moodle, 'backup', { phpBinary: PHP, args: ['--courseid=5', `--destination=${join(root, 'nope')}`], timeoutMs: 10_000 })
    assert.equal(missing.exitCode, 0, 'Moodle exits 0 even then')
    assert.doesNotMatch(missing.stdout, /Backup completed/)
  })

  it('stops a script that exceeds its time limit, with its whole process group', async () => {
    const started = Date.now()
    const r = await runMoodleScript(moodle, 'upgrade', { phpBinary: PHP, args: ['--non-interactive', '--fake-sleep=30000'], timeoutMs: 300 })
    assert.equal(r.timedOut, true)
    assert.equal(r.killedBy, 'SIGTERM')
    assert.ok(Date.now() - started < 5000)
  })

  it('gives the script no environment beyond PATH, LANG and HOME (no secrets leak into PHP)', async () => {
    process.env['MOODLE_BRIDGE_API_KEY_TEST_LEAK'] = 'secret'
    const r = await runMoodleScript(moodle, 'purge_caches', { phpBinary: PHP, args: ['--fake-env'], timeoutMs: 10_000 })
    delete process.env['MOODLE_BRIDGE_API_KEY_TEST_LEAK']
    assert.equal(r.stdout.trim(), 'HOME,LANG,PATH')
  })

  it('keeps only the tail of very long output', async () => {
    const r = await runMoodleScript(moodle, 'purge_caches', { phpBinary: PHP, args: ['--fake-spam=20000'], timeoutMs: 20_000 })
    assert.equal(r.exitCode, 0)
    assert.ok(r.stdout.length <= 1024 * 1024)
    assert.match(r.stdout, /line 19999 /)
  })

  it('runs as the owner of the dataroot when asked (the site user)', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
    await chown(moodle.dataroot!, 65534, 65534)
    const r = await runMoodleScript(moodle, 'purge_caches', { phpBinary: PHP, args: ['--fake-whoami'], timeoutMs: 10_000, runAs: 'owner' })
    assert.equal(r.stdout.trim(), '65534:65534')
  })

  it('follows php_run_as when a call does not say: auto = the dataroot owner as root, self, uid:gid', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
    await chown(moodle.dataroot!, 65534, 65534)
    const whoami = async () => (await runMoodleScript(moodle, 'purge_caches', { phpBinary: PHP, args: ['--fake-whoami'], timeoutMs: 10_000 })).stdout.trim()
    try {
      setPhpRunAs(moodle, 'auto')
      assert.equal(await whoami(), '65534:65534')
      setPhpRunAs(moodle, 'self')
      assert.equal(await whoami(), '0:0')
      setPhpRunAs(moodle, { uid: 65534, gid: 0 })
      assert.equal(await whoami(), '65534:0')
    } finally {
      setPhpRunAs(moodle, 'self')
    }
  })
})
