/**
 * Log lines for people and machines (issue #11 point 2): `bin/moodle-bridge serve` writes JSON lines
 * when its output is a pipe (`log_format: auto`, the default) and readable lines with
 * `log_format: pretty`; and on a terminal (run under `script`, which gives it a pseudo-terminal)
 * `auto` writes readable lines. Every record of a request carries the request id the response's
 * X-Request-Id header shows, for both APIs, authentication refusals included.
 */
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createScratchPgDatabase } from './support/start-fixture-service.ts'
import { testEnv } from './support/test-env.ts'

const BIN = resolve(import.meta.dirname, '..', 'bin', 'moodle-bridge')
const KEY = 'log-test-key-0123456789abcdefghijklmnopqrstuvwxyz'
const SCRIPT = spawnSync('script', ['--version']).status === 0

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => res(port))
    })
  })
}

type Running = { child: ChildProcess; output: () => string; base: string }

async function serve(env: Record<string, string>, viaTerminal = false): Promise<Running> {
  const port = await freePort()
  const serveEnv = {
    ...process.env,
    MOODLE_BRIDGE_OPS_LISTEN: 'off',
    MOODLE_BRIDGE_MOOPANEL_KEY: KEY,
    MOODLE_BRIDGE_MDG_CORE_API_ENABLED: 'true',
    MOODLE_BRIDGE_LOG_LEVEL: 'info',
    MOODLE_BRIDGE_UPDATE_CHECK: 'off',
    ...env,
  }
  const args = [BIN, 'serve', '--moodle-dir', testEnv().moodleDirPg, '--port', String(port)]
  const child = viaTerminal
    ? spawn('script', ['-qfec', [process.execPath, ...args].map((a) => `'${a}'`).join(' '), '/dev/null'], { env: serveEnv, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { env: serveEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`exited early: ${out}`)
    if (await fetch(`${base}/local/moopanel/server.php/`).then(() => true, () => false)) return { child, output: () => out, base }
    await sleep(100)
  }
  child.kill('SIGKILL')
  throw new Error(`never answered: ${out}`)
}

async function stop(running: Running | undefined): Promise<void> {
  if (!running || running.child.exitCode !== null) return
  const done = new Promise((res) => running.child.once('exit', res))
  running.child.kill('SIGTERM')
  await done
}

/** Waits until the output has a line containing `text` (logs are written as requests end). */
async function lineWith(running: Running, text: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const line = running.output().split(/\r?\n/).find((l) => l.includes(text))
    if (line) return line
    await sleep(50)
  }
  assert.fail(`no log line with ${text} in:\n${running.output()}`)
}

describe('log format', () => {
  let state: { url: string; drop: () => Promise<void> }
  let running: Running | undefined
  before(async () => {
    state = await createScratchPgDatabase(`mb_state_logs_${process.pid}`)
  })
  after(async () => {
    await stop(running)
    await state?.drop()
  })

  it('writes JSON lines to a pipe, each record of a request with the X-Request-Id it answered', async () => {
    running = await serve({ MOODLE_BRIDGE_STATE_URL: state.url })
    const ok = await fetch(`${running.base}/local/moopanel/server.php/users/count`, { headers: { 'x-api-key': KEY } })
    assert.equal(ok.status, 200)
    const badKey = await fetch(`${running.base}/local/moopanel/server.php/`, { headers: { 'x-api-key': 'wrong'.repeat(10) } })
    assert.equal(badKey.status, 401)
    const items = await fetch(`${running.base}/local/middag/index.php/api/v1/items?type=course`, { headers: { authorization: 'Bearer not-a-token' } })
    assert.equal(items.status, 401)
    for (const res of [ok, badKey, items]) {
      const id = res.headers.get('x-request-id')!
      assert.ok(id)
      await lineWith(running!, id)
      const records: string[] = running!.output().split('\n').filter((l) => l.includes(id))
      for (const line of records) assert.equal((JSON.parse(line) as { reqId?: string }).reqId, id, line)
    }
    // The Items refusal is logged as the request's own record.
    const refusal = JSON.parse(await lineWith(running, 'Items API authentication refused')) as { reqId?: string }
    assert.equal(refusal.reqId, items.headers.get('x-request-id'))
    for (const line of running.output().split('\n').filter((l) => l.trim() !== '')) JSON.parse(line)
    await stop(running)
    running = undefined
  })

  it('writes readable lines with log_format: pretty, request id included', async () => {
    running = await serve({ MOODLE_BRIDGE_STATE_URL: state.url, MOODLE_BRIDGE_LOG_FORMAT: 'pretty' })
    const res = await fetch(`${running.base}/local/moopanel/server.php/users/count`, { headers: { 'x-api-key': KEY, 'x-request-id': 'pretty-request-1' } })
    assert.equal(res.status, 200)
    const line = await lineWith(running, 'pretty-request-1')
    assert.throws(() => JSON.parse(line))
    assert.match(line, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO/)
    assert.match(line, /reqId: "pretty-request-1"|reqId":"pretty-request-1"|"reqId": "pretty-request-1"/)
    await stop(running)
    running = undefined
  })

  it('writes readable lines on a terminal by default', { skip: SCRIPT ? false : 'script(1) is not installed' }, async () => {
    running = await serve({ MOODLE_BRIDGE_STATE_URL: state.url }, true)
    await fetch(`${running.base}/local/moopanel/server.php/users/count`, { headers: { 'x-api-key': KEY, 'x-request-id': 'tty-request-1' } })
    const line = await lineWith(running, 'tty-request-1')
    assert.throws(() => JSON.parse(line.replace(/\x1b\[[0-9;]*m/g, '')))
    assert.match(line.replace(/\x1b\[[0-9;]*m/g, ''), /\] INFO/)
  })
})
