/**
 * The command line as an operator uses it: real subprocesses of bin/moodle-bridge against the
 * PostgreSQL fixture (serve, doctor, moopanel set-key/enable/disable) and the embedded demo.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { cp, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createScratchPgDatabase } from './support/start-fixture-service.ts'
import { testEnv } from './support/test-env.ts'

const BIN = resolve(import.meta.dirname, '..', 'bin', 'moodle-bridge')
const KEY = 'cli-test-key-0123456789abcdefghijklmnopqrstuvwxyz'

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => res(port))
    })
  })
}

/** Runs the CLI to completion; returns exit code and output. */
function run(args: string[], env: Record<string, string> = {}, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, MOODLE_BRIDGE_OPS_LISTEN: '127.0.0.1:0', ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.stdin.end(input ?? '')
    child.on('close', (code) => res({ code, stdout, stderr }))
  })
}

/** Starts a long-running command and waits until `url` answers. */
async function start(args: string[], env: Record<string, string>, url: string): Promise<{ child: ChildProcess; stdout: () => string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, MOODLE_BRIDGE_OPS_LISTEN: '127.0.0.1:0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`exited early: ${out}`)
    const ok = await fetch(url).then(() => true, () => false)
    if (ok) return { child, stdout: () => out }
    await sleep(100)
  }
  child.kill('SIGKILL')
  throw new Error(`${url} never answered: ${out}`)
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode
  const done = new Promise<number | null>((res) => child.once('exit', (code) => res(code)))
  child.kill('SIGTERM')
  return done
}

describe('bin/moodle-bridge', () => {
  let state: { url: string; drop: () => Promise<void> }
  before(async () => {
    state = await createScratchPgDatabase(`mb_state_cli_${process.pid}`)
  })
  after(async () => {
    await state?.drop()
  })

  it('serves the fixture site: the README example with MOODLE_BRIDGE_MOOPANEL_KEY works', async () => {
    const port = await freePort()
    const base = `http://127.0.0.1:${port}/local/moopanel/server.php`
    const { child } = await start(
      ['serve', '--moodle-dir', testEnv().moodleDirPg, '--port', String(port)],
      { MOODLE_BRIDGE_MOOPANEL_KEY: KEY, MOODLE_BRIDGE_STATE_URL: state.url, MOODLE_BRIDGE_LOG_LEVEL: 'warn' },
      base,
    )
    try {
      const res = await fetch(`${base}/plugins?displayupdates&displayupdateslog`, { headers: { 'X-API-KEY': KEY } })
      assert.equal(res.status, 200)
      const body = (await res.json()) as { plugins: unknown[]; last_check_for_updates: string }
      assert.equal(body.plugins.length, 452)
      assert.equal(body.last_check_for_updates, '1795305714')
      assert.equal((await fetch(base, { headers: { 'X-API-KEY': 'wrong-key' } })).status, 401)
    } finally {
      assert.equal(await stop(child), 0, 'SIGTERM stops the service cleanly')
    }
  })

  it('moopanel disable / enable / set-key change a running service within seconds', async () => {
    const port = await freePort()
    const base = `http://127.0.0.1:${port}/local/moopanel/server.php`
    const env = { MOODLE_BRIDGE_MOOPANEL_KEY: KEY, MOODLE_BRIDGE_STATE_URL: state.url, MOODLE_BRIDGE_LOG_LEVEL: 'warn' }
    const { child } = await start(['serve', '--moodle-dir', testEnv().moodleDirPg, '--port', String(port)], env, base)
    const status = () => fetch(`${base}/users/count`, { headers: { 'X-API-KEY': KEY } }).then((r) => r.status)
    const eventually = async (want: number) => {
      for (let i = 0; i < 50 && (await status()) !== want; i++) await sleep(100)
      assert.equal(await status(), want)
    }
    try {
      const off = await run(['moopanel', 'disable', '--moodle-dir', testEnv().moodleDirPg], { MOODLE_BRIDGE_STATE_URL: state.url })
      assert.equal(off.code, 0, off.stderr)
      await eventually(423)
      assert.equal((await run(['moopanel', 'enable', '--state-url', state.url])).code, 0)
      await eventually(200)
      const short = await run(['moopanel', 'set-key', '--state-url', state.url], {}, 'too-short\n')
      assert.equal(short.code, 2)
      assert.match(short.stderr, /at least 32 characters/)
      const other = 'another-key-0123456789abcdefghijklmnopqrstuvwxyz'
      const set = await run(['moopanel', 'set-key', '--state-url', state.url, '--expires', 'never'], {}, `${other}\n`)
      assert.equal(set.code, 0, set.stderr)
      assert.ok(!set.stdout.includes(other) && !set.stderr.includes(other), 'the key is never printed')
      for (let i = 0; i < 50 && (await fetch(`${base}/users/count`, { headers: { 'X-API-KEY': other } })).status !== 200; i++) await sleep(100)
      assert.equal((await fetch(`${base}/users/count`, { headers: { 'X-API-KEY': other } })).status, 200)
      assert.equal(await status(), 401, 'the old key no longer works')
    } finally {
      await stop(child)
    }
  })

  it('doctor prints a table of checks and exits 0 on a healthy site (PHP missing is only a warning)', async () => {
    const r = await run(['doctor', '--moodle-dir', testEnv().moodleDirPg])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    for (const check of ['config.php', 'database connection', 'table prefix', 'Moodle version (database)', 'Moodle version (code)', 'dataroot readable', 'php on PATH']) {
      assert.match(r.stdout, new RegExp(`(ok|WARN) +${check.replace(/[()]/g, '\\$&')}`), check)
    }
    assert.match(r.stdout, /4\.5\.6 \(Build: 20250811\) \(2024100706\)/)
  })

  it('names the line of a config.php construct it cannot read, in doctor and serve, without a stack trace', async () => {
    const dir = join(testEnv().tmpDir, `moodle-badcfg-${process.pid}`)
    await cp(testEnv().moodleDirPg, dir, { recursive: true })
    const config = await readFile(join(dir, 'config.php'), 'utf8')
    const lines = config.split('\n')
    const at = lines.findIndex((l) => l.includes('$CFG->dbpass'))
    lines[at] = "$CFG->dbpass = getenv('MOODLE_DB_PASSWORD');"
    await writeFile(join(dir, 'config.php'), lines.join('\n'))
    const doctor = await run(['doctor', '--moodle-dir', dir])
    assert.equal(doctor.code, 1)
    assert.match(doctor.stdout, new RegExp(`FAIL +config\\.php .*line ${at + 1}`))
    const serve = await run(['serve', '--moodle-dir', dir, '--port', String(await freePort())], { MOODLE_BRIDGE_MOOPANEL_KEY: KEY })
    assert.equal(serve.code, 2)
    assert.match(serve.stderr, new RegExp(`line ${at + 1}.*dbpass`))
    assert.ok(!/\n\s+at /.test(serve.stderr), 'no stack trace')
  })

  it('refuses an invalid configuration, naming the option', async () => {
    const r = await run(['serve', '--moodle-dir', testEnv().moodleDirPg, '--port', 'eighty'], { MOODLE_BRIDGE_MOOPANEL_KEY: 'short' })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /port \(MOODLE_BRIDGE_PORT\)/)
    assert.match(r.stderr, /api_key \(MOODLE_BRIDGE_API_KEY\): too short/)
    assert.ok(!r.stderr.includes('short\n') && !r.stderr.includes("'short'"))
  })

  it('--help lists every option with its environment variable', async () => {
    const r = await run(['serve', '--help'])
    assert.equal(r.code, 0)
    for (const env of ['MOODLE_BRIDGE_MOODLE_DIR', 'MOODLE_BRIDGE_API_KEY', 'MOODLE_BRIDGE_IP_ALLOWLIST', 'MOODLE_BRIDGE_ITEMS_JWT_ISSUER', 'MOODLE_BRIDGE_OPS_LISTEN']) {
      assert.ok(r.stdout.includes(env), env)
    }
  })

  it('demo starts the embedded site and answers with the printed key', async () => {
    const port = await freePort()
    const base = `http://127.0.0.1:${port}/local/moopanel/server.php`
    const { child, stdout } = await start(['demo', '--port', String(port), '--dir', join(testEnv().tmpDir, `demo-${process.pid}`)], { MOODLE_BRIDGE_LOG_LEVEL: 'warn' }, base)
    try {
      for (let i = 0; i < 50 && !/API key: +\S+/.test(stdout()); i++) await sleep(100)
      const key = /API key: +(\S+)/.exec(stdout())?.[1]
      assert.ok(key && key.length >= 32, stdout())
      const res = await fetch(`${base}/users/count`, { headers: { 'X-API-KEY': key } })
      assert.equal(res.status, 200)
      assert.ok(((await res.json()) as { number_of_users: number }).number_of_users > 100)
      const plugins = (await (await fetch(`${base}/plugins?displayupdates&displayupdateslog`, { headers: { 'X-API-KEY': key } })).json()) as { plugins: Array<{ has_updates: boolean }> }
      assert.ok(plugins.plugins.some((p) => p.has_updates))
    } finally {
      await stop(child)
    }
  })
})
