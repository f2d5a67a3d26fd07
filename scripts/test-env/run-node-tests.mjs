/** Runs `node --import tsx --test` on the given files and prints the TAP summary (`# tests N` ...) after it. */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'

const SUMMARY = /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /

/**
 * Spec output goes to stdout; a TAP copy goes to `tapPath`, whose final `# tests/# pass/# fail`
 * lines are echoed at the end. Returns the exit code (signals map to 128 + n, or 1).
 * `onChild` receives the child process so the caller can forward signals to it.
 */
export async function runNodeTests({ cwd, files, nodeArgs = [], env, tapPath, concurrency = 2, onChild }) {
  const args = [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    // A test that hangs fails after this long instead of holding CI until its own deadline.
    `--test-timeout=${process.env.MB_TEST_TIMEOUT_MS || 600000}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapPath}`,
    ...nodeArgs,
    ...files,
  ]
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] })
  onChild?.(child)
  const code = await new Promise((resolve) => {
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1)))
  })
  if (existsSync(tapPath)) {
    const summary = readFileSync(tapPath, 'utf8').split('\n').filter((l) => SUMMARY.test(l))
    if (summary.length > 0) process.stdout.write(`\n${summary.join('\n')}\n`)
  }
  return code
}

function signalNumber(signal) {
  return { SIGINT: 2, SIGTERM: 15, SIGKILL: 9 }[signal]
}
