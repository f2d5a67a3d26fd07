/**
 * What `npm test` (scripts/run-tests.mjs) sets up for tests: database URLs, test Moodle install
 * directories and the fixture folder, plus helpers for expected responses and writable DB copies.
 * The loaded databases (`moodle_pg`, `moodle_mariadb_<pid>`) are shared: never write to them, make a copy.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { fixturePath, fixturesDir } from './fixtures.ts'
import { mysqlOptions } from './mysql-url.ts'

export { fixturePath, fixturesDir, readFixtureJson } from './fixtures.ts'
export { mysqlOptions } from './mysql-url.ts'

export interface TestEnv {
  /** `MB_TEST_PG_URL`: the loaded PostgreSQL dump, `moodle_pg` (read only). */
  pgUrl: string
  /** `MB_TEST_PG_ADMIN_URL`: the same server's `postgres` database, for CREATE/DROP DATABASE. */
  pgAdminUrl: string
  /** `MB_TEST_PG_TEMPLATE`: a connection-less clone of `moodle_pg` to copy from. */
  pgTemplate: string
  /** `MB_TEST_MOODLE_DIR_PG`: install dir whose config.php points at `moodle_pg`. */
  moodleDirPg: string
  /** `MB_TEST_MYSQL_URL_DB`: the loaded MariaDB dump, `moodle_mariadb_<pid of the runner>` (read only); unset when not configured. */
  mysqlUrl?: string
  /** `MB_TEST_MYSQL_URL`: the MariaDB server's admin URL. */
  mysqlAdminUrl?: string
  /** `MB_TEST_MOODLE_DIR_MYSQL`: install dir whose config.php points at that database. */
  moodleDirMysql?: string
  /** `MB_FIXTURES_DIR`. */
  fixturesDir: string
  /** `MB_TEST_TMP_DIR`: scratch space removed after the run (falls back to the OS temp dir). */
  tmpDir: string
}

function required(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set: run the tests with \`npm test\` (scripts/run-tests.mjs)`)
  return value
}

function optional(name: string): string | undefined {
  return process.env[name] || undefined
}

/** The test environment; throws if the tests were not started by `npm test`. */
export function testEnv(): TestEnv {
  const env: TestEnv = {
    pgUrl: required('MB_TEST_PG_URL'),
    pgAdminUrl: required('MB_TEST_PG_ADMIN_URL'),
    pgTemplate: optional('MB_TEST_PG_TEMPLATE') ?? 'moodle_pg',
    moodleDirPg: required('MB_TEST_MOODLE_DIR_PG'),
    fixturesDir: fixturesDir(),
    tmpDir: optional('MB_TEST_TMP_DIR') ?? (process.env.TMPDIR || '/tmp'),
  }
  const mysqlUrl = optional('MB_TEST_MYSQL_URL_DB')
  if (mysqlUrl) {
    env.mysqlUrl = mysqlUrl
    env.mysqlAdminUrl = optional('MB_TEST_MYSQL_URL') ?? mysqlUrl
    env.moodleDirMysql = optional('MB_TEST_MOODLE_DIR_MYSQL')
  }
  return env
}

/** Parsed JSON body from `expected/` (pgsql) or `expected/mariadb/`; `.json` may be left off. */
export function readExpected<T = unknown>(name: string, db: 'pgsql' | 'mariadb'): T {
  const file = name.endsWith('.json') ? name : `${name}.json`
  const path = db === 'pgsql' ? fixturePath(join('expected', file)) : fixturePath(join('expected', 'mariadb', file))
  return JSON.parse(readFileSync(path, 'utf8')) as T
}

/** A writable database copy: its name, URL, and a function that drops it. */
export interface DbCopy {
  name: string
  url: string
  drop: () => Promise<void>
}

let copies = 0

/** A database name from `name`, unique to this process (`<name>_<pid>_<n>`, at most 63 chars). */
function copyName(name: string): string {
  const base = name.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40)
  return `${base}_${process.pid}_${++copies}`
}

/** Runs one statement on the test server's `postgres` database (CREATE/DROP DATABASE). */
export async function pgAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: testEnv().pgAdminUrl })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

/** Creates a PostgreSQL database from the `moodle_pg` template; `drop()` removes it (closing open connections). */
export async function createPgCopy(name: string): Promise<DbCopy> {
  const env = testEnv()
  const db = copyName(name)
  const admin = pgAdmin
  await admin(`CREATE DATABASE "${db}" TEMPLATE "${env.pgTemplate}"`)
  const url = new URL(env.pgAdminUrl)
  url.pathname = `/${db}`
  return { name: db, url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`) }
}

/**
 * Creates a MariaDB copy of the loaded dump (CREATE TABLE ... LIKE + INSERT ... SELECT for every table;
 * AUTO_INCREMENT counters restart at max(id) + 1). Takes a few seconds; `drop()` removes it.
 */
export async function createMysqlCopy(name: string): Promise<DbCopy> {
  const env = testEnv()
  if (!env.mysqlUrl || !env.mysqlAdminUrl) throw new Error('MariaDB is not configured (MB_TEST_MYSQL_URL)')
  const source = decodeURIComponent(new URL(env.mysqlUrl).pathname.slice(1))
  const db = copyName(name)
  const conn = await mysql.createConnection({ ...mysqlOptions(env.mysqlAdminUrl, ''), multipleStatements: true })
  try {
    await conn.query(`SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO', SESSION foreign_key_checks = 0, SESSION unique_checks = 0`)
    await conn.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'`,
      [source],
    )
    const statements = rows.map(
      ({ t }) => `CREATE TABLE \`${db}\`.\`${t}\` LIKE \`${source}\`.\`${t}\`; INSERT INTO \`${db}\`.\`${t}\` SELECT * FROM \`${source}\`.\`${t}\`;`,
    )
    for (let i = 0; i < statements.length; i += 50) await conn.query(statements.slice(i, i + 50).join('\n'))
  } catch (error) {
    await conn.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => {})
    throw error
  } finally {
    await conn.end()
  }
  const url = new URL(env.mysqlAdminUrl)
  url.pathname = `/${db}`
  const admin = env.mysqlAdminUrl
  const drop = async (): Promise<void> => {
    const c = await mysql.createConnection(mysqlOptions(admin, ''))
    try {
      await c.query(`DROP DATABASE IF EXISTS \`${db}\``)
    } finally {
      await c.end()
    }
  }
  return { name: db, url: url.toString(), drop }
}
