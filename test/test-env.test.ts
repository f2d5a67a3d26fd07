/** Smoke test for the test environment that `npm test` sets up (databases, install dirs, helpers). */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { test } from 'node:test'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { createMysqlCopy, createPgCopy, mysqlOptions, readExpected, testEnv } from './support/test-env.ts'

const env = testEnv()

/** Plugin version.php files under an install dir (the root version.php is core's, not a plugin's). */
function pluginVersionFiles(root: string): string[] {
  const found: string[] = []
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name)
      if (e.isDirectory()) walk(path)
      else if (e.name === 'version.php' && dir !== root) found.push(relative(root, path))
    }
  }
  walk(root)
  return found
}

async function pgCount(url: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}`)
    return Number(rows[0]?.n)
  } finally {
    await client.end()
  }
}

test('PostgreSQL: moodle_pg holds the fixture dump', async () => {
  assert.equal(await pgCount(env.pgUrl, 'mdl_user'), 3002)
})

test('MariaDB: moodle_mariadb holds the fixture dump', async (t) => {
  if (!env.mysqlUrl) {
    t.skip('MariaDB not configured (MB_TEST_MYSQL_URL)')
    return
  }
  const conn = await mysql.createConnection(mysqlOptions(env.mysqlUrl))
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM mdl_user')
    assert.equal(Number(rows[0]?.n), 3002)
  } finally {
    await conn.end()
  }
})

test('install dirs hold 452 plugin version.php files and a config.php for their database', () => {
  const dirs = [
    { dir: env.moodleDirPg, dbtype: 'pgsql', wwwroot: 'http://127.0.0.1:8081' },
    ...(env.moodleDirMysql ? [{ dir: env.moodleDirMysql, dbtype: 'mariadb', wwwroot: 'http://127.0.0.1:8082' }] : []),
  ]
  for (const { dir, dbtype, wwwroot } of dirs) {
    assert.equal(pluginVersionFiles(dir).length, 452, dir)
    const config = readFileSync(join(dir, 'config.php'), 'utf8')
    assert.match(config, new RegExp(`\\$CFG->dbtype\\s*=\\s*'${dbtype}';`))
    assert.ok(config.includes(`$CFG->wwwroot   = '${wwwroot}';`))
    assert.match(readFileSync(join(dir, 'version.php'), 'utf8'), /\$version\s+= 2024100706\.00;/)
  }
})

test('createPgCopy gives a writable copy and drops it', async () => {
  const copy = await createPgCopy('smoke')
  try {
    const client = new pg.Client({ connectionString: copy.url })
    await client.connect()
    try {
      await client.query('DELETE FROM mdl_user WHERE id > 2')
      assert.equal(await pgCount(copy.url, 'mdl_user'), 2)
    } finally {
      await client.end()
    }
    assert.equal(await pgCount(env.pgUrl, 'mdl_user'), 3002)
  } finally {
    await copy.drop()
  }
})

test('createMysqlCopy gives a writable copy and drops it', async (t) => {
  if (!env.mysqlUrl) {
    t.skip('MariaDB not configured (MB_TEST_MYSQL_URL)')
    return
  }
  const copy = await createMysqlCopy('smoke')
  try {
    const conn = await mysql.createConnection(mysqlOptions(copy.url))
    try {
      await conn.query('DELETE FROM mdl_user WHERE id > 2')
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM mdl_user')
      assert.equal(Number(rows[0]?.n), 2)
    } finally {
      await conn.end()
    }
  } finally {
    await copy.drop()
  }
})

test('readExpected reads both capture sets', () => {
  assert.deepEqual(readExpected('users-count', 'pgsql'), readExpected('users-count.json', 'mariadb'))
})
