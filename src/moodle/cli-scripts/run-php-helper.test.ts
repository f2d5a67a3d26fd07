import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Moodle } from '../moodle.ts'
import { PHP_HELPERS_DIR, refreshUpdateInfo, runPhpHelper } from './run-php-helper.ts'

/** The stand-in PHP CLI hands php-helpers/*.php to test/support/fake-php/fake-helpers.mjs. */
const PHP = resolve(import.meta.dirname, '../../../test/support/fake-php/php')

describe('runPhpHelper', () => {
  let root: string
  let moodle: Moodle
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'mb-helper-'))
    await chmod(root, 0o755)
    const dirroot = join(root, 'moodle')
    await mkdir(dirroot)
    moodle = { dirroot, dataroot: join(root, 'moodledata'), admin: 'admin', memo: new Map() } as unknown as Moodle
  })
  after(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('finds the helpers shipped in php-helpers/', () => {
    for (const helper of ['restore_course', 'export_admin_settings', 'refresh_update_info', 'helper_common']) {
      assert.ok(existsSync(join(PHP_HELPERS_DIR, `${helper}.php`)), helper)
    }
  })

  it('passes the Moodle root and reads the result line: a usage error exits 2', async () => {
    const run = await runPhpHelper(moodle, 'restore_course', ['--courseid=5', '--file=/x.mbz', '--bogus=1'], { phpBinary: PHP, timeoutMs: 10_000 })
    assert.equal(run.script.exitCode, 2)
    assert.equal(run.result?.['error'], 'usage')
  })

  it('reports a Moodle root without config.php as a failure of the wrapper', async () => {
    const result = await refreshUpdateInfo(moodle, { phpBinary: PHP, timeoutMs: 10_000 })
    assert.deepEqual(result, { ok: false, error: 'usage', message: 'No readable config.php in the Moodle root.', exitCode: 2 })
  })

  it('turns output without a result line into no_result, with Moodle’s "!!! … !!!" message', async () => {
    const php = join(root, 'php-dies')
    await writeFile(php, '#!/bin/sh\necho "!!! Database connection failed !!!"\nexit 1\n')
    await chmod(php, 0o755)
    const result = await refreshUpdateInfo(moodle, { phpBinary: php, timeoutMs: 10_000 })
    assert.deepEqual(result, { ok: false, error: 'no_result', message: 'Database connection failed', exitCode: 1 })
  })
})
