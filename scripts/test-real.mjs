#!/usr/bin/env node
/**
 * `npm run test:real`: runs test-real/*.test.ts against a real Moodle site of the user's (a staging
 * site) named by MB_REAL_MOODLE_DIR, with real PHP. Without that variable it prints one line and
 * exits 0 (CI has no Moodle). See docs/real-moodle-tests.md. Arguments starting with `-` go to node;
 * other arguments select test files by substring.
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')

if (!process.env.MB_REAL_MOODLE_DIR) {
  process.stdout.write('test:real skipped: MB_REAL_MOODLE_DIR is not set (see docs/real-moodle-tests.md)\n')
  process.exit(0)
}

const args = process.argv.slice(2)
const filters = args.filter((a) => !a.startsWith('-'))
const nodeArgs = args.filter((a) => a.startsWith('-'))
// Node 20's --test takes no globs: list test-real/*.test.ts here.
const files = readdirSync(join(repoRoot, 'test-real'))
  .filter((name) => name.endsWith('.test.ts'))
  .sort()
  .map((name) => join('test-real', name))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
if (files.length === 0) {
  process.stderr.write(`test:real: no test file in test-real/ matches ${filters.join(', ')}\n`)
  process.exit(1)
}

const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...nodeArgs, ...files], {
  cwd: repoRoot,
  stdio: 'inherit',
})
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
