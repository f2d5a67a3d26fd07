/**
 * `npm run bench`: throughput and latency of the read endpoints on the PostgreSQL fixture site, as
 * ratios to a bare Fastify hello-world measured in the same run (machines here are shared and noisy,
 * so absolute numbers mean little), the embedded demo's /users/count, and a 100 000-user streaming
 * run that reports the service's peak RSS growth. Not a test: it prints figures against targets.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import pg from 'pg'
import { buildTestMoodleDir } from '../test/support/build-test-moodle-dir.ts'
import { measure, printTable, type Figures } from './measure.ts'
import { rssOf, startBare, startChild, stopChild } from './processes.ts'
import { scaleUsers } from './scale-users.ts'
import { runItemsBench } from './items-bench.ts'
import { runColdStartBench } from './cold-start.ts'
import { runSoakBench } from './soak.ts'
import { runSitesBench } from './sites-bench.ts'
// @ts-expect-error: plain .mjs helpers shared with the test runner
import { loadPgDump } from '../scripts/test-env/load-pg.mjs'
// @ts-expect-error: plain .mjs helpers shared with the test runner
import { startPostgres } from '../scripts/test-env/postgres.mjs'
// @ts-expect-error: plain .mjs helpers shared with the test runner
import { freePort } from '../scripts/test-env/util.mjs'

const KEY = 'bench-key-0123456789abcdefghijklmnopqrstuvwxyz'
const CONNECTIONS = 16
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5)
const repo = resolve(import.meta.dirname, '..')
const fixtures = resolve(process.env['MB_FIXTURES_DIR'] ?? join(repo, '../shared/fixtures/moodle-4.5'))
const bin = join(repo, 'bin', 'moodle-bridge')

const ENDPOINTS: Array<[string, string]> = [
  ['/', ''],
  ['/users (4 fields, by lastname)', '/users?fields=id,username,firstname,lastname&sort=lastname'],
  ['/users/count', '/users/count'],
  ['/users/online', '/users/online'],
  ['/plugins (both flags)', '/plugins?displayupdates&displayupdateslog'],
  ['/courses (both flags)', '/courses?displaycategories&displaycourses'],
  ['/moodle_core', '/moodle_core'],
]

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

/** Fails the run loudly when the service stopped answering after a load run. */
async function assertAnswers(url: string, headers: Record<string, string>, after: string): Promise<void> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) }).catch((error: Error) => error)
  if (res instanceof Error || !res.ok) throw new Error(`the service stopped answering after ${after}: ${res instanceof Error ? res.message : res.status}`)
  await res.text()
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'mb-bench-'))
  chmodSync(tmp, 0o755) // the PostgreSQL server runs as the postgres user
  const children: Array<Awaited<ReturnType<typeof startChild>>> = []
  let server: { stop(): Promise<void>; urlFor(db: string): string; adminUrl: string; port: number } | undefined
  try {
    console.log('setting up PostgreSQL with the Moodle 4.5 fixture …')
    server = await startPostgres(join(tmp, 'pg'))
    const pgServer = server!
    await loadPgDump({ urlFor: pgServer.urlFor, dbName: 'moodle_pg', templateName: 'moodle_pg_template', dumpPath: join(fixtures, 'moodle-pgsql.sql.gz') })
    await sql(pgServer.adminUrl, 'CREATE DATABASE mb_state')
    const site = await buildTestMoodleDir({
      target: join(tmp, 'moodle'), dbtype: 'pgsql', wwwroot: 'http://127.0.0.1:8081', fixturesDir: fixtures,
      db: { host: '127.0.0.1', port: pgServer.port, name: 'moodle_pg', user: 'postgres', pass: '' },
    })
    const barePort = await freePort()
    const servicePort = await freePort()
    children.push(await startBare(barePort))
    const env = { MOODLE_BRIDGE_OPS_LISTEN: '127.0.0.1:0', MOODLE_BRIDGE_API_KEY: KEY, MOODLE_BRIDGE_STATE_URL: pgServer.urlFor('mb_state'), MOODLE_BRIDGE_LOG_LEVEL: 'warn' }
    const base = `http://127.0.0.1:${servicePort}/local/moopanel/server.php`
    children.push(await startChild(process.execPath, [bin, 'serve', '--moodle-dir', site.dir, '--port', String(servicePort)], env, base, await freePort()))
    const headers = { 'x-api-key': KEY }
    const opts = { connections: CONNECTIONS, seconds: SECONDS }

    // BENCH_ONLY selects parts (comma-separated); `soak` (BENCH_SOAK_S, default 300) and `sites` (BENCH_SITES, default 200) run only when named.
    const only = (process.env['BENCH_ONLY'] ?? 'endpoints,cold,demo,scale,items').split(',')
    const newStateDb = async (name: string) => {
      await sql(pgServer.adminUrl, `DROP DATABASE IF EXISTS ${name}`)
      await sql(pgServer.adminUrl, `CREATE DATABASE ${name}`)
      return pgServer.urlFor(name)
    }
    if (only.includes('cold')) {
      await runColdStartBench({ bin, siteDir: site.dir, env, key: KEY, barePort, newStateDb, freePort, startChild, stopChild })
    }
    if (only.includes('soak')) {
      await runSoakBench({ bin, siteDir: site.dir, env, key: KEY, newStateDb, freePort, startChild, stopChild, rssOf, seconds: Number(process.env['BENCH_SOAK_S'] ?? 300) })
    }
    if (only.includes('sites')) {
      await runSitesBench({ bin, fixtures, tmp, env, key: KEY, barePort, connections: CONNECTIONS, seconds: SECONDS, freePort, stopChild, rssOf })
    }
    let bare: Figures | undefined
    if (only.includes('endpoints')) {
    console.log(`\n== Read endpoints on the PostgreSQL fixture (${CONNECTIONS} connections, ${SECONDS} s each) ==`)
    bare = await measure('bare Fastify hello-world', `http://127.0.0.1:${barePort}/`, {}, opts)
    const rows: Figures[] = [bare]
    for (const [name, path] of ENDPOINTS) {
      // Bare Fastify right before each endpoint: the ratio compares runs seconds apart.
      const adjacent = await measure('bare Fastify hello-world', `http://127.0.0.1:${barePort}/`, {}, opts)
      rows.push({ ...(await measure(name, base + path, headers, opts)), baseline: adjacent })
      await assertAnswers(`${base}/users/count`, headers, name)
    }
    const targets = new Map<string, string>(ENDPOINTS.map(([n]) => [n, 'p99 < 50 ms']))
    targets.set('/plugins (both flags)', 'p99 < 50 ms, >= 300 req/s')
    for (const n of ['/', '/users/count', '/users/online', '/moodle_core']) targets.set(n, 'p99 < 50 ms, >= 30 % of bare')
    printTable(rows, bare, targets)

    console.log(`\n== The same service with read_reuse_ms=0 (every request reads the database) ==`)
    const rawPort = await freePort()
    const rawBase = `http://127.0.0.1:${rawPort}/local/moopanel/server.php`
    const raw = await startChild(process.execPath, [bin, 'serve', '--moodle-dir', site.dir, '--port', String(rawPort)], { ...env, MOODLE_BRIDGE_READ_REUSE_MS: '0' }, rawBase, await freePort())
    children.push(raw)
    const rawRows: Figures[] = [bare]
    for (const [name, path] of ENDPOINTS) rawRows.push(await measure(`${name} [no reuse]`, rawBase + path, headers, opts))
    printTable(rawRows, bare, new Map())
    await stopChild(raw)
    }
    if (only.includes('items')) {
      await runItemsBench({ bin, siteDir: site.dir, env, barePort, connections: CONNECTIONS, seconds: SECONDS, freePort, startChild, stopChild })
    }
    if (only.includes('demo')) {
    console.log(`\n== Embedded demo (PGlite), /users/count (${CONNECTIONS} connections) ==`)
    const demoPort = await freePort()
    const demoBase = `http://127.0.0.1:${demoPort}/local/moopanel/server.php`
    const demo = await startChild(process.execPath, [bin, 'demo', '--port', String(demoPort), '--dir', join(tmp, 'demo')], { ...env, MOODLE_BRIDGE_STATE_URL: '' }, demoBase)
    children.push(demo)
    const demoRow = await measure('demo /users/count', `${demoBase}/users/count`, headers, opts)
    await stopChild(demo)
    const demoRawPort = await freePort()
    const demoRawBase = `http://127.0.0.1:${demoRawPort}/local/moopanel/server.php`
    const demoRaw = await startChild(
      process.execPath,
      [bin, 'demo', '--port', String(demoRawPort), '--dir', join(tmp, 'demo-raw')],
      { ...env, MOODLE_BRIDGE_STATE_URL: '', MOODLE_BRIDGE_READ_REUSE_MS: '0' },
      demoRawBase,
    )
    children.push(demoRaw)
    const demoRawRow = await measure('demo /users/count [no reuse]', `${demoRawBase}/users/count`, headers, opts)
    bare ??= await measure('bare Fastify hello-world', `http://127.0.0.1:${barePort}/`, {}, opts)
    printTable(
      [bare, demoRow, demoRawRow],
      bare,
      new Map([
        ['demo /users/count', '>= 1000 req/s, p99 < 100 ms'],
        ['demo /users/count [no reuse]', '>= 1000 req/s, p99 < 100 ms'],
      ]),
    )
    await stopChild(demoRaw)
    }
    if (only.includes('scale')) {

    console.log('\n== Scale: /users over 100 000 users, streamed ==')
    const scaled = await scaleUsers({ server: pgServer, tmp, fixtures, bin, key: KEY, total: 100_000, rssOf, startChild, stopChild, freePort })
    console.log(
      `users streamed: ${scaled.users}, body ${(scaled.bytes / 1e6).toFixed(1)} MB in ${scaled.seconds.toFixed(1)} s; ` +
        `service RSS before ${(scaled.rssBefore / 1e6).toFixed(0)} MB, peak ${(scaled.rssPeak / 1e6).toFixed(0)} MB, ` +
        `growth ${((scaled.rssPeak - scaled.rssBefore) / 1e6).toFixed(0)} MB (target < 100 MB)`,
    )
    }
  } finally {
    for (const c of children) await stopChild(c)
    await server?.stop()
    rmSync(tmp, { recursive: true, force: true })
  }
}

await main()
