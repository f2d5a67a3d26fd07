/**
 * A listener that cannot bind (issue #10 point 4): `serve`, `worker` and `demo`, as real
 * subprocesses of bin/moodle-bridge against the PostgreSQL fixture, with a port held by another
 * server, an address this machine does not have, or a host name that does not resolve. Each exits
 * by itself with code 2 and one line naming the listener and the options that set it, no stack.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:net'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createScratchPgDatabase } from './support/start-fixture-service.ts'
import { testEnv } from './support/test-env.ts'

const BIN = resolve(import.meta.dirname, '..', 'bin', 'moodle-bridge')
const KEY = 'listen-test-key-0123456789abcdefghijklmnopqrstuvwxyz'
/** How long a command may take to give up (start-up plus closing what it opened). */
const PATIENCE_MS = 60_000

/** A server holding a port on 127.0.0.1, as a second program would. */
function occupy(): Promise<{ port: number; server: Server }> {
  return new Promise((res, rej) => {
    const server = createServer().once('error', rej).listen(0, '127.0.0.1', () => res({ port: (server.address() as { port: number }).port, server }))
  })
}

function freePort(): Promise<number> {
  return occupy().then(({ port, server }) => new Promise((res) => server.close(() => res(port))))
}

/** Runs the CLI until it exits by itself; kills it (and fails) if it outlasts `PATIENCE_MS`. */
function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string; killed: boolean }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, MOODLE_BRIDGE_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let killed = false
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, PATIENCE_MS)
    child.on('close', (code) => {
      clearTimeout(timer)
      res({ code, stdout, stderr, killed })
    })
  })
}

/** Exit code 2 on its own, the explanation on stderr, no stack trace, nothing "unexpected". */
function assertListenFailure(r: Awaited<ReturnType<typeof run>>, pattern: RegExp): void {
  assert.equal(r.killed, false, `the command gave up by itself within ${PATIENCE_MS / 1000} s:\n${r.stderr}`)
  assert.equal(r.code, 2, r.stderr)
  assert.match(r.stderr, pattern)
  assert.doesNotMatch(r.stderr, /unexpected error|\n\s+at |Error:/, 'one readable line, no stack trace')
}

describe('a listener that cannot bind', () => {
  let state: { url: string; drop: () => Promise<void> }
  let held: { port: number; server: Server }
  let env: Record<string, string>
  before(async () => {
    state = await createScratchPgDatabase(`mb_state_listen_${process.pid}`)
    held = await occupy()
    env = { MOODLE_BRIDGE_MOOPANEL_KEY: KEY, MOODLE_BRIDGE_STATE_URL: state.url }
  })
  after(async () => {
    held?.server.close()
    await state?.drop()
  })

  it('serve: the API port in use names host and port (--host, --port, MOODLE_BRIDGE_HOST, MOODLE_BRIDGE_PORT)', async () => {
    const r = await run(['serve', '--moodle-dir', testEnv().moodleDirPg, '--port', String(held.port)], { ...env, MOODLE_BRIDGE_OPS_LISTEN: '127.0.0.1:0' })
    assertListenFailure(
      r,
      new RegExp(
        `^moodle-bridge: cannot listen on 127\\.0\\.0\\.1:${held.port} for the API listener ` +
          `\\(host and port: --host, --port, MOODLE_BRIDGE_HOST, MOODLE_BRIDGE_PORT\\): address already in use — .*another moodle-bridge.*another port`,
        'm',
      ),
    )
    assert.doesNotMatch(r.stderr, /ops_listen: off/, 'the API listener cannot be turned off')
  })

  it('serve: the operations port in use names ops_listen (MOODLE_BRIDGE_OPS_LISTEN) and how to turn it off, after the API listener started', async () => {
    const r = await run(['serve', '--moodle-dir', testEnv().moodleDirPg, '--port', String(await freePort())], { ...env, MOODLE_BRIDGE_OPS_LISTEN: `127.0.0.1:${held.port}` })
    assertListenFailure(
      r,
      new RegExp(
        `^moodle-bridge: cannot listen on 127\\.0\\.0\\.1:${held.port} for the operations listener ` +
          `\\(ops_listen, MOODLE_BRIDGE_OPS_LISTEN\\): address already in use — .*another port, or ops_listen: off$`,
        'm',
      ),
    )
  })

  it('serve: an address the machine does not have, and a host name that does not resolve', async () => {
    const notHere = await run(['serve', '--moodle-dir', testEnv().moodleDirPg, '--host', '192.0.2.55', '--port', '0'], { ...env, MOODLE_BRIDGE_OPS_LISTEN: 'off' })
    assertListenFailure(notHere, /^moodle-bridge: cannot listen on 192\.0\.2\.55:0 for the API listener \(host and port: .*\): address not available on this machine — /m)
    const unknown = await run(['serve', '--moodle-dir', testEnv().moodleDirPg, '--port', '0'], { ...env, MOODLE_BRIDGE_OPS_LISTEN: 'no-such-host.invalid:9464' })
    assertListenFailure(unknown, /^moodle-bridge: cannot listen on no-such-host\.invalid:9464 for the operations listener \(ops_listen, MOODLE_BRIDGE_OPS_LISTEN\): host name .* — give an IP address/m)
  })

  it('worker: its operations listener in use', async () => {
    const r = await run(['worker', '--moodle-dir', testEnv().moodleDirPg], { ...env, MOODLE_BRIDGE_OPS_LISTEN: `127.0.0.1:${held.port}` })
    assertListenFailure(r, new RegExp(`^moodle-bridge: cannot listen on 127\\.0\\.0\\.1:${held.port} for the operations listener \\(ops_listen, MOODLE_BRIDGE_OPS_LISTEN\\): address already in use`, 'm'))
  })

  it('demo: the API port in use, after generating its site', async () => {
    const r = await run(['demo', '--port', String(held.port), '--users', '20', '--dir', join(testEnv().tmpDir, `demo-listen-${process.pid}`)], { MOODLE_BRIDGE_OPS_LISTEN: '127.0.0.1:0' })
    assertListenFailure(r, new RegExp(`^moodle-bridge: cannot listen on 127\\.0\\.0\\.1:${held.port} for the API listener \\(host and port: --host, --port, MOODLE_BRIDGE_HOST, MOODLE_BRIDGE_PORT\\)`, 'm'))
    assert.doesNotMatch(r.stdout, /API key:/, 'no banner for a demo that is not listening')
  })
})
