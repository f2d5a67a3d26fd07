/**
 * BENCH_ONLY=sites (issue #8 point 7): BENCH_SITES sites (default 200) in ONE `serve` process with a
 * sites file, each on its own PostgreSQL database made from the fixture (`CREATE DATABASE … TEMPLATE`;
 * fewer, shared by several sites, when the disk or the time budget cannot take one per site, or with
 * BENCH_SITES_DBS; the output says so),
 * all on one Moodle code tree with `db_name` per site. Figures, each beside its target:
 * - resident memory with 1 site opened vs all opened (one request each), per added site (< 5 MB);
 * - idle statements per second on the PostgreSQL server, all sites open, after a settle time
 *   (pg_stat_statements calls, and transactions from pg_stat_database; < 5/s in total);
 * - req/s and p99 of /users/count at 16 connections spread round-robin over all sites (Host header
 *   per request) vs the same load on one site (p99 < 50 ms).
 * The sites share one store (state_url, a database of its own). All of it runs on a PostgreSQL
 * server of the part's own (more connections than the shared one allows, and pg_stat_statements);
 * the server, its databases and the process are removed at the end, also on failure.
 */
import autocannon from 'autocannon'
import { spawn, type ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { buildTestMoodleDir } from '../test/support/build-test-moodle-dir.ts'
import { printTable, type Figures } from './measure.ts'
// @ts-expect-error: plain .mjs helpers shared with the test runner
import { loadPgDump } from '../scripts/test-env/load-pg.mjs'
// @ts-expect-error: plain .mjs helpers shared with the test runner
import { startPostgres, stopProcess } from '../scripts/test-env/postgres.mjs'

export interface SitesBenchContext {
  bin: string
  fixtures: string
  /** Scratch folder (removed by the caller); the sites' PostgreSQL server lives below it. */
  tmp: string
  env: Record<string, string>
  key: string
  barePort: number
  connections: number
  seconds: number
  freePort(): Promise<number>
  stopChild(child: ChildProcess | undefined): Promise<void>
  rssOf(pid: number): number
}

const PATH = '/local/moopanel/server.php/users/count'
const MAX_CONNECTIONS = 1500
const envInt = (name: string, fallback: number) => Number(process.env[name] ?? fallback)

interface SitesPg {
  port: number
  adminUrl: string
  urlFor(db: string): string
  statements: boolean
  stop(): Promise<void>
}

/**
 * initdb and a first start by the shared launcher, then a restart with what many sites need:
 * max_connections for every site's pools, and pg_stat_statements to count statements.
 */
export async function startSitesPostgres(dir: string): Promise<SitesPg> {
  const first = await startPostgres(dir)
  await first.stop()
  const statements = existsSync(join(first.binDir, '..', 'lib', 'pg_stat_statements.so'))
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1', unix_socket_directories: dir, fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off',
    max_connections: String(MAX_CONNECTIONS), log_min_messages: 'warning',
    // Autovacuum visits every database once a naptime and its workers' transactions count in
    // pg_stat_database (about 6/s over 160 databases, seen): off, so the idle transactions are the service's
    // (BENCH_SITES_AUTOVACUUM=on keeps it). The copies are short-lived and read-mostly.
    autovacuum: process.env['BENCH_SITES_AUTOVACUUM'] ?? 'off',
    ...(statements ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.max': '50000', 'pg_stat_statements.track_utility': 'on' } : {}),
  }
  const args = ['-D', join(dir, 'data'), '-p', String(first.port)]
  for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`)
  const owner = statSync(join(dir, 'data'))
  const log = openSync(join(dir, 'postgres-sites.log'), 'a')
  const user = process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {}
  const child = spawn(join(first.binDir, 'postgres'), args, { ...user, cwd: dir, stdio: ['ignore', log, log] })
  closeSync(log)
  const stop = () => stopProcess(child) as Promise<void>
  for (const until = Date.now() + 60_000; ; await sleep(200)) {
    if (child.exitCode !== null) throw new Error(`postgres exited: ${readFileSync(join(dir, 'postgres-sites.log'), 'utf8').slice(-2000)}`)
    const ok = await query(first.adminUrl, 'SELECT 1').then(() => true, () => false)
    if (ok) break
    if (Date.now() > until) {
      await stop()
      throw new Error('the sites PostgreSQL server did not start in 60 s')
    }
  }
  if (statements) await query(first.adminUrl, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
  return { port: first.port, adminUrl: first.adminUrl, urlFor: first.urlFor, statements, stop }
}

async function query<T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<T>(text, values)).rows
  } finally {
    await client.end()
  }
}

/** Spawns `serve` (its output kept for the report) and waits until the listener answers. */
async function startServe(args: string[], env: Record<string, string>, port: number): Promise<{ child: ChildProcess; lines(): string[] }> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const kept: string[] = []
  const keep = (chunk: Buffer) => {
    kept.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0))
    if (kept.length > 2000) kept.splice(0, kept.length - 2000)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  for (const until = Date.now() + 120_000; ; await sleep(200)) {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}: ${kept.slice(-20).join('\n')}`)
    if (await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text(), () => null) !== null) break
    if (Date.now() > until) {
      child.kill('SIGKILL')
      throw new Error(`serve did not answer in 120 s: ${kept.slice(-20).join('\n')}`)
    }
  }
  return { child, lines: () => kept }
}

/** One GET with a Host header; the status, or 0 when the request failed. */
async function get(port: number, host: string, key: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: PATH, headers: { host, 'x-api-key': key }, timeout: 60_000 }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', () => resolve(0))
    req.on('timeout', () => req.destroy())
    req.end()
  })
}

/** Median RSS of five samples a second apart (one sample is at the mercy of a GC). */
async function settledRss(ctx: SitesBenchContext, pid: number): Promise<number> {
  const samples: number[] = []
  for (let i = 0; i < 5; i++) {
    if (i > 0) await sleep(1000)
    samples.push(ctx.rssOf(pid))
  }
  return samples.sort((a, b) => a - b)[2]!
}

/** Statements (pg_stat_statements calls) and transactions on the sites' databases, and their connections. */
interface ServerCounts {
  statements: number
  xacts: number
  /** Transactions on the shared store's database alone. */
  stateXacts: number
  /** Sessions established (pg_stat_database.sessions: every backend start counts one transaction too). */
  sessions: number
  dealloc: number
  top: Map<string, number>
  connections: number
}

async function serverCounts(db: SitesPg, names: string[], stateDb: string): Promise<ServerCounts> {
  // pg_stat_database is flushed by each backend at most once a second (and when it exits): a second's lag.
  const byDb = await query<{ datname: string; x: string; s: string }>(
    db.adminUrl,
    'SELECT datname, xact_commit + xact_rollback AS x, sessions AS s FROM pg_stat_database WHERE datname = ANY($1)',
    [names],
  )
  const xacts = [{ n: String(byDb.reduce((a, r) => a + Number(r.x), 0)) }]
  const stateXacts = Number(byDb.find((r) => r.datname === stateDb)?.x ?? 0)
  const sessions = byDb.reduce((a, r) => a + Number(r.s), 0)
  const connections = await query<{ n: string }>(db.adminUrl, 'SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = ANY($1)', [names])
  const top = new Map<string, number>()
  let statements = NaN
  let dealloc = 0
  if (db.statements) {
    const rows = await query<{ q: string; n: string }>(
      db.adminUrl,
      'SELECT s.query AS q, SUM(s.calls) AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = ANY($1) GROUP BY s.query',
      [names],
    )
    statements = 0
    for (const r of rows) {
      top.set(r.q, Number(r.n))
      statements += Number(r.n)
    }
    dealloc = Number((await query<{ n: string }>(db.adminUrl, 'SELECT dealloc AS n FROM pg_stat_statements_info'))[0]?.n ?? 0)
  }
  return { statements, xacts: Number(xacts[0]?.n ?? 0), stateXacts, sessions, dealloc, top, connections: Number(connections[0]?.n ?? 0) }
}

/** autocannon on /users/count, Host header from `hostOf(n)` for the n-th request; a short warm-up first. */
async function load(ctx: SitesBenchContext, port: number, name: string, hostOf: (n: number) => string): Promise<Figures & { requests: number }> {
  let n = 0
  const requests = [{ method: 'GET', path: PATH, setupRequest: (req: Record<string, unknown>) => ({ ...req, path: PATH, headers: { host: hostOf(n++), 'x-api-key': ctx.key } }) }]
  const run = (duration: number) => autocannon({ url: `http://127.0.0.1:${port}`, connections: ctx.connections, duration, requests: requests as never, timeout: 10 })
  const warm = await run(2)
  const r = await run(ctx.seconds)
  return { name, reqPerSec: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx, requests: warm.requests.total + r.requests.total }
}

export async function runSitesBench(ctx: SitesBenchContext): Promise<void> {
  const sites = envInt('BENCH_SITES', 200)
  const settleS = envInt('BENCH_SITES_SETTLE_S', 15)
  const idleS = envInt('BENCH_SITES_IDLE_S', 30)
  const dir = join(ctx.tmp, 'sites')
  mkdirSync(dir, { recursive: true })
  const started = Date.now()
  console.log(`\n== Sites: ${sites} sites in one serve process (PostgreSQL fixture copies) ==`)
  let db: SitesPg | undefined
  let child: ChildProcess | undefined
  try {
    db = await startSitesPostgres(join(dir, 'pg'))
    const pgServer = db
    await loadPgDump({ urlFor: pgServer.urlFor, dbName: 'sites_src', templateName: 'sites_template', dumpPath: join(ctx.fixtures, 'moodle-pgsql.sql.gz') })
    // One database per site when the disk holds them with half of its free space left over and they
    // are made within BENCH_SITES_DB_BUDGET_S (default 200 s: a busy machine copies slowly); else fewer,
    // site i on database i mod count (only Moodle's tables: the store is the shared state_url).
    const size = Number((await query<{ n: string }>(pgServer.adminUrl, "SELECT pg_database_size('sites_src') AS n"))[0]!.n)
    const fs = statfsSync(dir)
    const free = fs.bavail * fs.bsize
    const wanted = Math.max(1, Math.min(sites, envInt('BENCH_SITES_DBS', sites), Math.floor(free / 2 / size)))
    const budgetMs = envInt('BENCH_SITES_DB_BUDGET_S', 200) * 1000
    const names: string[] = []
    const t0 = Date.now()
    while (names.length < wanted && (names.length === 0 || Date.now() - t0 < budgetMs)) {
      const name = `site_db_${String(names.length + 1).padStart(3, '0')}`
      await query(pgServer.adminUrl, `CREATE DATABASE ${name} TEMPLATE sites_template STRATEGY FILE_COPY`)
      names.push(name)
    }
    const dbCount = names.length
    console.log(`fixture database ${(size / 1e6).toFixed(0)} MB, ${(free / 1e9).toFixed(0)} GB free: ${dbCount} databases made in ` +
      `${((Date.now() - t0) / 1000).toFixed(0)} s for ${sites} sites${dbCount < sites ? ` (FEWER than the sites: each shared by up to ${Math.ceil(sites / dbCount)} sites)` : ''}`)

    const moodle = await buildTestMoodleDir({
      target: join(dir, 'moodle'), dbtype: 'pgsql', wwwroot: 'http://127.0.0.1:8081', fixturesDir: ctx.fixtures,
      db: { host: '127.0.0.1', port: pgServer.port, name: 'sites_src', user: 'postgres', pass: '' },
    })
    const ids = Array.from({ length: sites }, (_, i) => `s${String(i + 1).padStart(3, '0')}`)
    const hostOf = (i: number) => `${ids[i % sites]}.bench.test`
    const sitesFile = join(dir, 'sites.yaml')
    writeFileSync(sitesFile, `sites:\n${ids.map((id, i) => `  - { id: ${id}, moodle_dir: ${moodle.dir}, hosts: [${hostOf(i)}], options: { db_name: ${names[i % dbCount]} } }\n`).join('')}`)

    const port = await ctx.freePort()
    // The one store of every site (state_url, a database of its own); its statements count as idle ones too.
    await query(pgServer.adminUrl, 'CREATE DATABASE sites_state')
    const counted = [...names, 'sites_state']
    // sites_max_open covers every site (default 100 would close and reopen sites under the
    // round-robin load: the figures would be of churn, not of open sites); BENCH_SITES_MAX_OPEN sets another.
    const maxOpen = process.env['BENCH_SITES_MAX_OPEN'] ?? String(sites)
    const env: Record<string, string> = {
      ...ctx.env, MOODLE_BRIDGE_SITES: sitesFile, MOODLE_BRIDGE_STATE_URL: pgServer.urlFor('sites_state'), MOODLE_BRIDGE_OPS_LISTEN: 'off',
      MOODLE_BRIDGE_SITES_MAX_OPEN: maxOpen,
    }
    // BENCH_SITES_CPU_PROF=dir: a CPU profile of the serve process, written there when it stops.
    const prof = process.env['BENCH_SITES_CPU_PROF']
    const serve = await startServe([...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), ctx.bin, 'serve', '--port', String(port)], env, port)
    child = serve.child
    const pid = child.pid!
    const rss0 = await settledRss(ctx, pid)
    const firstStatus = await get(port, hostOf(0), ctx.key)
    if (firstStatus !== 200) throw new Error(`site ${ids[0]} answered ${firstStatus}`)
    await sleep(settleS * 1000)
    const rss1 = await settledRss(ctx, pid)
    // Open the others, four at a time (one request each); a site that failed to open is asked again
    // after its back-off (the router retries it after 1 s, then 2 s, …), three times at most.
    const t1 = Date.now()
    let pending = ids.slice(1).map((_, i) => i + 1)
    const firstFailures = new Map<string, number>()
    for (let round = 0; round < 4 && pending.length > 0; round++) {
      if (round > 0) await sleep(2 ** round * 1000)
      const failed: number[] = []
      for (let b = 0; b < pending.length; b += 4) {
        const batch = pending.slice(b, b + 4)
        const statuses = await Promise.all(batch.map((i) => get(port, hostOf(i), ctx.key)))
        statuses.forEach((status, k) => {
          if (status === 200) return
          failed.push(batch[k]!)
          if (round === 0) firstFailures.set(ids[batch[k]!]!, status)
        })
      }
      pending = failed
    }
    console.log(`${sites - 1} more sites opened in ${((Date.now() - t1) / 1000).toFixed(0)} s` +
      (firstFailures.size ? `; ${firstFailures.size} answered non-200 at first (${[...firstFailures].slice(0, 5).map(([id, st]) => `${id} ${st}`).join(', ')}), ${pending.length} still after 3 retries` : ''))
    if (firstFailures.size) console.log(`why (service log): ${serve.lines().filter((l) => l.includes('could not be opened')).slice(0, 3).join('\n') || 'not logged'}`)
    if (pending.length) throw new Error(`${pending.length} sites did not open`)
    await sleep(settleS * 1000)
    const rssN = await settledRss(ctx, pid)
    // Idle from a minute after the last site opened (BENCH_SITES_QUIET_S): each site's first
    // housekeeping and update-check ticks come a minute after it opened, once, and are not polling.
    const quietS = envInt('BENCH_SITES_QUIET_S', 65)
    await sleep(Math.max(0, quietS - settleS - 5) * 1000)

    const before = await serverCounts(pgServer, counted, 'sites_state')
    await sleep(idleS * 1000)
    const after = await serverCounts(pgServer, counted, 'sites_state')
    const stmtPerS = (after.statements - before.statements) / idleS
    const xactPerS = (after.xacts - before.xacts) / idleS
    const stateXactPerS = (after.stateXacts - before.stateXacts) / idleS
    const sessionsPerS = (after.sessions - before.sessions) / idleS
    const delta = (a: ServerCounts, b: ServerCounts) =>
      [...b.top].map(([q, n]) => [q, n - (a.top.get(q) ?? 0)] as const).filter(([, n]) => n > 0).sort((x, y) => y[1] - x[1])
    const busiest = delta(before, after).slice(0, 8)

    const bare = await load(ctx, ctx.barePort, 'bare Fastify hello-world', () => '127.0.0.1')
    const one = await load(ctx, port, `/users/count, 1 site`, () => hostOf(0))
    const beforeSpread = await serverCounts(pgServer, counted, 'sites_state')
    const spread = await load(ctx, port, `/users/count, ${sites} sites round-robin`, hostOf)
    const underLoad = await serverCounts(pgServer, counted, 'sites_state')
    // Statements per request of the spread run (its warm-up included, counted by autocannon too).
    const spreadRequests = spread.requests
    const perRequest = delta(beforeSpread, underLoad).slice(0, 8)
    const rssAfter = ctx.rssOf(pid)
    if ((await get(port, hostOf(sites - 1), ctx.key)) !== 200) throw new Error('the last site stopped answering after the load runs')

    const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`
    const perSite = (rssN - rss1) / Math.max(1, sites - 1)
    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED')
    const rows: Array<[string, string, string, string]> = [
      ['RSS, no site opened', mb(rss0), '', ''],
      ['RSS, 1 site opened', mb(rss1), '', ''],
      [`RSS, ${sites} sites opened`, mb(rssN), '', ''],
      ['RSS per added site', mb(perSite), '< 5 MB', verdict(perSite < 5e6)],
      [`idle statements/s, all sites (${idleS} s)`, db.statements ? stmtPerS.toFixed(1) : 'n/a', '< 5/s', db.statements ? verdict(stmtPerS < 5) : ''],
      [`idle transactions/s, all sites (${idleS} s)`, xactPerS.toFixed(1), '< 5/s', verdict(xactPerS < 5)],
      ['  of which on the shared store / sessions opened per s', `${stateXactPerS.toFixed(1)} / ${sessionsPerS.toFixed(1)}`, '', ''],
      ['server connections: idle / after load', `${after.connections} / ${underLoad.connections}`, '', ''],
      [one.name, `${one.reqPerSec.toFixed(0)} req/s, p99 ${one.p99.toFixed(1)} ms`, 'p99 < 50 ms', verdict(one.p99 < 50 && one.errors === 0)],
      [spread.name, `${spread.reqPerSec.toFixed(0)} req/s, p99 ${spread.p99.toFixed(1)} ms`, 'p99 < 50 ms', verdict(spread.p99 < 50 && spread.errors === 0)],
      ['RSS after the load runs', mb(rssAfter), '', ''],
    ]
    console.log('')
    printTable([bare, one, spread], bare, new Map([[one.name, 'p99 < 50 ms'], [spread.name, 'p99 < 50 ms']]))
    console.log('')
    const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)))
    for (const r of rows) console.log(`${r[0].padEnd(w[0]!)}  ${r[1].padStart(w[1]!)}  ${r[2].padEnd(w[2]!)}  ${r[3]}`)
    if (after.dealloc > before.dealloc) console.log('note: pg_stat_statements dropped entries during the idle window: the statement count is low')
    const short = (q: string) => q.replace(/\s+/g, ' ').slice(0, 110)
    if (busiest.length) console.log(`busiest idle statements:\n${busiest.map(([q, n]) => `  ${(n / idleS).toFixed(2)}/s  ${short(q)}`).join('\n')}`)
    if (perRequest.length && spreadRequests > 0) {
      const total = underLoad.statements - beforeSpread.statements
      console.log(`statements per request, ${sites} sites round-robin: ${(total / spreadRequests).toFixed(2)} (${spreadRequests} requests)\n` +
        perRequest.map(([q, n]) => `  ${(n / spreadRequests).toFixed(3)}  ${short(q)}`).join('\n'))
    }
    console.log(`sites part: ${((Date.now() - started) / 1000).toFixed(0)} s; ${dbCount} databases, ${sites} sites, db_pool_size ${process.env['MOODLE_BRIDGE_DB_POOL_SIZE'] ?? '10 (default)'}, sites_max_open ${maxOpen}`)
  } finally {
    await ctx.stopChild(child)
    // Stopping the server and removing its folder removes every database of the part.
    await db?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
