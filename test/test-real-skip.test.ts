/**
 * `npm run test:real` without MB_REAL_MOODLE_DIR (CI has no Moodle): one line saying why, exit 0,
 * nothing run. The real-Moodle suite itself lives in test-real/, outside what `npm test` collects.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { describe, it } from 'node:test'

const ROOT = resolve(import.meta.dirname, '..')
const SKIP_LINE = 'test:real skipped: MB_REAL_MOODLE_DIR is not set (see docs/real-moodle-tests.md)\n'

function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env }
  delete env['MB_REAL_MOODLE_DIR']
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', fail)
    child.on('close', (code) => done({ code, stdout, stderr }))
  })
}

describe('npm run test:real without a Moodle', () => {
  it('the script prints one line and exits 0', async () => {
    const res = await run(process.execPath, ['scripts/test-real.mjs'])
    assert.deepEqual(res, { code: 0, stdout: SKIP_LINE, stderr: '' })
  })

  it('npm run test:real does the same', async () => {
    const res = await run('npm', ['run', '--silent', 'test:real'])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout, SKIP_LINE)
  })

  it('npm test does not collect the real-Moodle suite', async () => {
    const collector: string = '../scripts/test-env/collect-tests.mjs' // plain JavaScript, no types
    const { collectTestFiles } = (await import(collector)) as { collectTestFiles: (root: string) => string[] }
    const files = collectTestFiles(ROOT)
    assert.ok(files.length > 0)
    assert.deepEqual(files.filter((f) => f.startsWith('test-real')), [])
  })
})
