/** A throwaway PostgreSQL server for one test run: find the binaries, initdb, start, stop. */
import { execFile, execFileSync, spawn } from 'node:child_process'
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { freePort, setupError, waitFor } from './util.mjs'

const execFileP = promisify(execFile)

const INSTALL_HINT =
  'PostgreSQL server binaries (initdb, postgres) were not found. Install them with ' +
  '`apt-get install postgresql` (Debian/Ubuntu), or set MB_PG_BIN to the directory that holds them.'

const hasServer = (dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))

/** The bin dir: MB_PG_BIN, else `pg_config --bindir`, else the newest /usr/lib/postgresql/N/bin. */
export function findPgBinDir() {
  const fromEnv = process.env.MB_PG_BIN
  if (fromEnv) {
    if (!hasServer(fromEnv)) throw setupError(`MB_PG_BIN=${fromEnv} has no initdb/postgres. ${INSTALL_HINT}`)
    return fromEnv
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    if (dir && hasServer(dir)) return dir
  } catch {
    // no pg_config on PATH
  }
  const base = '/usr/lib/postgresql'
  const versions = existsSync(base)
    ? readdirSync(base).filter((v) => hasServer(join(base, v, 'bin'))).sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    : []
  if (versions[0]) return join(base, versions[0], 'bin')
  throw setupError(INSTALL_HINT)
}

/** uid/gid to run the server as: the `postgres` OS user when we are root (PostgreSQL refuses root). */
function serverUser() {
  if (process.getuid?.() !== 0) return {}
  try {
    const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
    return { uid: id('-u'), gid: id('-g') }
  } catch {
    throw setupError('running as root, but there is no `postgres` OS user to run PostgreSQL as. ' + INSTALL_HINT)
  }
}

/** Runs initdb into `dataDir`, with C.UTF-8 or, if that locale is missing, --no-locale. */
async function initdb(bin, dataDir, user, onSpawn) {
  const base = ['-D', dataDir, '--auth=trust', '-U', 'postgres', '--encoding=UTF8', '--no-sync']
  const opts = { ...user, cwd: join(dataDir, '..'), env: { ...process.env, LC_ALL: 'C' } }
  const run = (args) => {
    const pending = execFileP(join(bin, 'initdb'), args, opts)
    onSpawn(pending.child)
    return pending
  }
  try {
    await run([...base, '--locale=C.UTF-8'])
    return 'C.UTF-8'
  } catch (first) {
    rmSync(dataDir, { recursive: true, force: true })
    mkdirSync(dataDir, { mode: 0o700 })
    if (user.uid !== undefined) chownSync(dataDir, user.uid, user.gid)
    try {
      await run([...base, '--no-locale'])
      return 'C (--no-locale)'
    } catch (second) {
      throw setupError(`initdb failed:\n${first.stderr || first.message}\n${second.stderr || second.message}`)
    }
  }
}

/** Whether the server on `port` answers a query. */
async function accepts(port) {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } finally {
    await client.end().catch(() => {})
  }
}

/** Starts `postgres` on `port` and resolves once it accepts connections. */
async function launch(bin, dir, port, user, onSpawn) {
  const logPath = join(dir, 'postgres.log')
  const logFd = openSync(logPath, 'a')
  const settings = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: dir,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '100',
    log_min_messages: 'warning',
  }
  const args = ['-D', join(dir, 'data'), '-p', String(port)]
  for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`)
  const child = spawn(join(bin, 'postgres'), args, { ...user, cwd: dir, stdio: ['ignore', logFd, logFd] })
  closeSync(logFd)
  onSpawn(child)
  let exited = null
  child.on('exit', (code, signal) => (exited = signal ?? code))
  const readLog = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8').trim() : '')
  const failFast = () => {
    if (exited !== null) throw Object.assign(setupError(`postgres exited (${exited}):\n${readLog()}`), { log: readLog() })
  }
  try {
    await waitFor(`PostgreSQL on port ${port}`, () => accepts(port), { timeoutMs: 30_000, check: failFast })
  } catch (error) {
    await stopProcess(child, 5_000)
    throw error
  }
  return child
}

/** Stops a server process: SIGINT (fast shutdown), then SIGKILL after `graceMs`. */
export async function stopProcess(child, graceMs = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const done = new Promise((res) => child.once('exit', res))
  child.kill('SIGINT')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await done
  clearTimeout(timer)
}

/**
 * Creates `dir` (owned by the server user), runs initdb and starts the server on a free port.
 * `onSpawn(child)` sees every process started (initdb, postgres) as soon as it exists, so an
 * interrupted setup can still stop them. Returns { port, socketDir, adminUrl, urlFor(db), locale, binDir, stop }.
 */
export async function startPostgres(dir, { onSpawn = () => {} } = {}) {
  const binDir = findPgBinDir()
  const user = serverUser()
  const dataDir = join(dir, 'data')
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  if (user.uid !== undefined) {
    chownSync(dir, user.uid, user.gid)
    chownSync(dataDir, user.uid, user.gid)
  }
  const locale = await initdb(binDir, dataDir, user, onSpawn)
  let child
  let port
  for (let attempt = 1; ; attempt++) {
    port = await freePort()
    try {
      child = await launch(binDir, dir, port, user, onSpawn)
      break
    } catch (error) {
      // Another process may have taken the port between freePort() and bind(): try another one.
      if (attempt < 3 && /could not (bind|create listen socket)|already in use/i.test(error.log ?? '')) continue
      throw error
    }
  }
  const urlFor = (db) => `postgres://postgres@127.0.0.1:${port}/${db}`
  return { port, socketDir: dir, adminUrl: urlFor('postgres'), urlFor, locale, binDir, stop: () => stopProcess(child) }
}
