/** Loads the MariaDB dump into a fresh `utf8mb4_unicode_ci` database on the server named by an admin URL. */
import { spawn } from 'node:child_process'
import { accessSync, constants, createReadStream } from 'node:fs'
import { delimiter, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import mysql from 'mysql2/promise'
import { gunzipText, setupError } from './util.mjs'

/** `mysql://user:pass@host:port/db?socket=/path` → connection facts (port 3306 by default). */
export function parseMysqlUrl(url) {
  const u = new URL(url)
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')),
    socket: u.searchParams.get('socket') ?? '',
  }
}

/** The same URL with another database in its path. */
export function mysqlUrlWithDb(url, db) {
  const u = new URL(url)
  u.pathname = `/${db}`
  return u.toString()
}

/** mysql2 connection options for a URL (database optional). */
export function mysql2Options(url, extra = {}) {
  const c = parseMysqlUrl(url)
  return {
    ...(c.socket ? { socketPath: c.socket } : { host: c.host, port: c.port }),
    user: c.user,
    password: c.password,
    ...(c.database ? { database: c.database } : {}),
    charset: 'UTF8MB4_UNICODE_CI',
    ...extra,
  }
}

/** First of `names` found as an executable on PATH. */
function findOnPath(names) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of names) {
      try {
        accessSync(join(dir, name), constants.X_OK)
        return join(dir, name)
      } catch {
        // not here
      }
    }
  }
  return null
}

/** Streams the gzipped dump through the `mariadb`/`mysql` client. */
async function loadWithCli(cli, url, dbName, dumpPath) {
  const c = parseMysqlUrl(url)
  const args = [
    `--user=${c.user}`,
    ...(c.socket ? [`--socket=${c.socket}`] : [`--host=${c.host}`, `--port=${c.port}`, '--protocol=TCP']),
    '--default-character-set=utf8mb4',
    dbName,
  ]
  const child = spawn(cli, args, {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { ...process.env, MYSQL_PWD: c.password },
  })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const exited = new Promise((res) => child.on('close', res))
  const fed = pipeline(createReadStream(dumpPath), createGunzip(), child.stdin).catch((e) => e)
  const [code, feedError] = await Promise.all([exited, fed])
  if (code !== 0) throw setupError(`${cli} exited with ${code} loading ${dumpPath}:\n${stderr.trim()}`)
  if (feedError) throw feedError
}

/** Runs the dump statement by statement with mysql2; a statement ends at a line ending in `;`. */
async function loadWithMysql2(url, dbName, dumpPath) {
  const conn = await mysql.createConnection(mysql2Options(mysqlUrlWithDb(url, dbName)))
  try {
    let statement = []
    for (const line of (await gunzipText(dumpPath)).split('\n')) {
      statement.push(line)
      if (!line.trimEnd().endsWith(';')) continue
      const sql = statement.join('\n').trimEnd().replace(/;$/, '')
      statement = []
      await conn.query(sql)
    }
  } finally {
    await conn.end()
  }
}

/** Drops and re-creates `dbName` (utf8mb4_unicode_ci), then loads the dump. Returns { loadMs, loader }. */
/** Drops a database this run loaded (best effort: the server may already be gone). */
export async function dropMariadbDatabase({ adminUrl, dbName }) {
  const admin = await mysql.createConnection(mysql2Options(mysqlUrlWithDb(adminUrl, ''))).catch(() => null)
  if (!admin) return
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``)
  } catch {
    // left for the next run's DROP DATABASE IF EXISTS
  } finally {
    await admin.end().catch(() => undefined)
  }
}

export async function loadMariadbDump({ adminUrl, dbName, dumpPath }) {
  const admin = await mysql.createConnection(mysql2Options(mysqlUrlWithDb(adminUrl, '')))
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``)
    await admin.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  } finally {
    await admin.end()
  }
  const t0 = performance.now()
  // MB_TEST_MYSQL_LOADER=mysql2 forces the mysql2 path even when a CLI client is installed.
  const cli = process.env.MB_TEST_MYSQL_LOADER === 'mysql2' ? null : findOnPath(['mariadb', 'mysql'])
  if (cli) await loadWithCli(cli, adminUrl, dbName, dumpPath)
  else await loadWithMysql2(adminUrl, dbName, dumpPath)
  return { loadMs: performance.now() - t0, loader: cli ?? 'mysql2' }
}
