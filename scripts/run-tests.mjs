#!/usr/bin/env node
/**
 * `npm test`: starts a throwaway PostgreSQL server, loads the Moodle 4.5 fixture dumps (PostgreSQL,
 * and MariaDB when MB_TEST_MYSQL_URL names a server), builds test Moodle install directories, then
 * runs `node --test` on src/**\/*.test.ts and test/**\/*.test.ts. Always stops the server and removes
 * its temp dirs. Arguments: substrings that select test files; arguments starting with `-` go to node.
 *
 * Env in: MB_FIXTURES_DIR, MB_PG_BIN, MB_TEST_MYSQL_URL (admin URL, e.g. mysql://root@127.0.0.1:3306/).
 * Env out (to tests): MB_TEST_PG_URL, MB_TEST_PG_ADMIN_URL, MB_TEST_PG_TEMPLATE, MB_TEST_MOODLE_DIR_PG,
 * MB_TEST_MYSQL_URL_DB, MB_TEST_MOODLE_DIR_MYSQL, MB_FIXTURES_DIR, MB_TEST_TMP_DIR.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { collectTestFiles } from './test-env/collect-tests.mjs'
import { loadPgDump } from './test-env/load-pg.mjs'
import { buildInstallDirs } from './test-env/install-dirs.mjs'
import { dropMariadbDatabase, loadMariadbDump, mysqlUrlWithDb } from './test-env/mariadb.mjs'
import { startPostgres, stopProcess } from './test-env/postgres.mjs'
import { runNodeTests } from './test-env/run-node-tests.mjs'
import { log, seconds, setupError } from './test-env/util.mjs'

const PG_DB = 'moodle_pg'
const PG_TEMPLATE = 'moodle_pg_template'
// One name per run: several `npm test` runs may share one MariaDB server (PostgreSQL is private to each run).
const MYSQL_DB = `moodle_mariadb_${process.pid}`

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const fixturesDir = resolve(process.env.MB_FIXTURES_DIR || join(repoRoot, '../shared/fixtures/moodle-4.5'))

/** State that cleanup() needs; filled in as setup goes. */
const state = { tmp: null, procs: new Set(), testChild: null, signal: null, mysql: null }
let cleaning = null

/** Stops every server process we started and removes temp dirs; safe to call more than once. */
function cleanup() {
  cleaning ??= (async () => {
    await Promise.all([...state.procs].map((child) => stopProcess(child)))
    if (state.mysql) await dropMariadbDatabase(state.mysql)
    if (state.tmp) rmSync(state.tmp, { recursive: true, force: true })
  })()
  return cleaning
}

// Last resort if something exits the process before cleanup() finished (synchronous only).
process.on('exit', () => {
  for (const child of state.procs) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  if (state.tmp) rmSync(state.tmp, { recursive: true, force: true, maxRetries: 3 })
})
for (const [signal, n] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) {
  process.on(signal, () => {
    if (state.signal) return
    state.signal = signal
    log(`${signal} received: stopping`)
    state.testChild?.kill(signal)
    cleanup().finally(() => process.exit(128 + n))
  })
}

/** Starts the databases and builds the install dirs; returns the env for the test process. */
async function setup() {
  const started = performance.now()
  if (!existsSync(join(fixturesDir, 'moodle-pgsql.sql.gz'))) {
    throw setupError(`Moodle fixtures not found in ${fixturesDir}. Put shared/ beside the repo or set MB_FIXTURES_DIR.`)
  }
  log(`fixtures: ${fixturesDir}`)
  state.tmp = mkdtempSync(join(tmpdir(), 'mb-test-'))
  chmodSync(state.tmp, 0o755) // the postgres OS user must reach its data dir inside
  const scratch = join(state.tmp, 'scratch')
  mkdirSync(scratch)

  const t = performance.now()
  const pg = await startPostgres(join(state.tmp, 'pg'), { onSpawn: (child) => state.procs.add(child) })
  log(`PostgreSQL ${pg.binDir} on 127.0.0.1:${pg.port} (socket dir ${pg.socketDir}, locale ${pg.locale}), ready in ${seconds(t)}`)

  const mysqlAdminUrl = process.env.MB_TEST_MYSQL_URL || null
  const loadPg = (async () => {
    const t0 = performance.now()
    const r = await loadPgDump({ urlFor: pg.urlFor, dbName: PG_DB, templateName: PG_TEMPLATE, dumpPath: join(fixturesDir, 'moodle-pgsql.sql.gz') })
    log(
      `PostgreSQL: ${PG_DB} loaded in ${(r.loadMs / 1000).toFixed(2)} s (${(r.bytes / 1e6).toFixed(1)} MB SQL, gunzip ` +
        `${(r.gunzipMs / 1000).toFixed(2)} s), template ${PG_TEMPLATE} in ${(r.templateMs / 1000).toFixed(2)} s; total ${seconds(t0)}`,
    )
  })()
  const loadMysql = (async () => {
    if (!mysqlAdminUrl) {
      log('MariaDB: MB_TEST_MYSQL_URL is not set (e.g. mysql://root@127.0.0.1:3306/): MariaDB tests will be skipped')
      return
    }
    state.mysql = { adminUrl: mysqlAdminUrl, dbName: MYSQL_DB }
    const r = await loadMariadbDump({ adminUrl: mysqlAdminUrl, dbName: MYSQL_DB, dumpPath: join(fixturesDir, 'moodle-mariadb.sql.gz') }).catch(
      (error) => {
        const where = mysqlAdminUrl.replace(/:[^:@/]*@/, ':***@')
        throw error.setup ? error : setupError(`MariaDB at MB_TEST_MYSQL_URL=${where}: ${error.message}`)
      },
    )
    log(`MariaDB: ${MYSQL_DB} loaded in ${(r.loadMs / 1000).toFixed(2)} s via ${r.loader}`)
  })()
  const buildDirs = (async () => {
    const t0 = performance.now()
    const dirs = await buildInstallDirs({
      repoRoot,
      tmp: state.tmp,
      fixturesDir,
      pg: { port: pg.port, dbName: PG_DB },
      mysql: mysqlAdminUrl ? { adminUrl: mysqlAdminUrl, dbName: MYSQL_DB } : null,
    })
    log(`install dirs: ${Object.values(dirs).map((d) => d.dir).join(', ')} (${dirs.pg.pluginCount} plugins each), built in ${seconds(t0)}`)
    return dirs
  })()
  const [, , dirs] = await Promise.all([loadPg, loadMysql, buildDirs])

  const env = {
    ...process.env,
    MB_FIXTURES_DIR: fixturesDir,
    MB_TEST_TMP_DIR: scratch,
    MB_TEST_PG_URL: pg.urlFor(PG_DB),
    MB_TEST_PG_ADMIN_URL: pg.adminUrl,
    MB_TEST_PG_TEMPLATE: PG_TEMPLATE,
    MB_TEST_MOODLE_DIR_PG: dirs.pg.dir,
  }
  delete env.MB_TEST_MYSQL_URL_DB
  delete env.MB_TEST_MOODLE_DIR_MYSQL
  if (mysqlAdminUrl) {
    env.MB_TEST_MYSQL_URL_DB = mysqlUrlWithDb(mysqlAdminUrl, MYSQL_DB)
    env.MB_TEST_MOODLE_DIR_MYSQL = dirs.mysql.dir
  }
  log(`setup done in ${seconds(started)}`)
  return env
}

async function main() {
  const args = process.argv.slice(2)
  const filters = args.filter((a) => !a.startsWith('-'))
  const nodeArgs = args.filter((a) => a.startsWith('-'))
  const files = collectTestFiles(repoRoot, filters)
  if (files.length === 0) {
    log(filters.length ? `no test file matches ${filters.join(', ')}` : 'no test files found')
    return filters.length ? 1 : 0
  }
  const env = await setup()
  log(`running ${files.length} test file(s)`)
  return runNodeTests({
    cwd: repoRoot,
    files,
    nodeArgs,
    env,
    tapPath: join(state.tmp, 'tests.tap'),
    onChild: (child) => (state.testChild = child),
  })
}

let exitCode = 1
try {
  exitCode = await main()
} catch (error) {
  if (!state.signal) process.stderr.write(`\n[test-env] setup failed: ${error.setup ? error.message : (error.stack ?? error)}\n`)
} finally {
  await cleanup()
}
process.exit(exitCode)
