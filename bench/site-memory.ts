/**
 * Where the memory of an open site goes (issue #8 point 7): ONE process (this one) runs the
 * many-sites server in-process on the PostgreSQL fixture, opens MEM_SITES sites (default 40) one
 * request each, and prints heap used, external/array buffers and RSS after a full GC at steps, as
 * bytes per added site. With MEM_SNAPSHOT=1 it also writes heap snapshots after the first site and
 * after all of them (MEM_SNAPSHOT_DIR, default the scratch folder, kept) and prints the largest
 * growth by constructor (bench/heap-diff.mjs does the same for any two snapshots).
 *
 *   node --expose-gc bin/run-ts.mjs bench/site-memory.ts
 *
 * Not a test and not part of `npm run bench`: a probe for finding what to shrink.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { writeHeapSnapshot } from 'node:v8'
import { Session } from 'node:inspector/promises'
import pg from 'pg'
import { loadConfig } from '../src/config/index.ts'
import { createMultiSiteServer, processLogger } from '../src/multi-site.ts'
import { buildTestMoodleDir } from '../test/support/build-test-moodle-dir.ts'
// @ts-expect-error: plain .mjs helpers shared with the test runner
import { loadPgDump } from '../scripts/test-env/load-pg.mjs'
import { startSitesPostgres } from './sites-bench.ts'
// @ts-expect-error: plain .mjs helpers shared with the test runner
import { freePort } from '../scripts/test-env/util.mjs'
// @ts-expect-error: plain .mjs helper of the bench
import { diffSnapshots } from './heap-diff.mjs'

const KEY = 'bench-key-0123456789abcdefghijklmnopqrstuvwxyz'
const PATH = process.env['MEM_PATH'] ?? '/local/moopanel/server.php/users/count'
const sites = Number(process.env['MEM_SITES'] ?? 40)
const repo = resolve(import.meta.dirname, '..')
const fixtures = resolve(process.env['MB_FIXTURES_DIR'] ?? join(repo, '../shared/fixtures/moodle-4.5'))
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with node --expose-gc')

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

function get(port: number, host: string): Promise<number> {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path: PATH, agent: false, headers: { host, 'x-api-key': KEY } }, (res) => {
      res.resume()
      res.on('end', () => done(res.statusCode ?? 0))
    })
    req.on('error', () => done(0))
    req.end()
  })
}

async function settled(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 3; i++) {
    gc!()
    await new Promise((r) => setTimeout(r, 100))
  }
  return process.memoryUsage()
}

const tmp = mkdtempSync(join(tmpdir(), 'mb-mem-'))
chmodSync(tmp, 0o755)
const snapDir = process.env['MEM_SNAPSHOT_DIR'] ?? join(tmp, 'snapshots')
let server: Awaited<ReturnType<typeof createMultiSiteServer>> | undefined
let db: { stop(): Promise<void>; urlFor(db: string): string; adminUrl: string; port: number } | undefined
try {
  db = await startSitesPostgres(join(tmp, 'pg'))
  const pgServer = db!
  await loadPgDump({ urlFor: pgServer.urlFor, dbName: 'mem_src', templateName: 'mem_template', dumpPath: join(fixtures, 'moodle-pgsql.sql.gz') })
  await sql(pgServer.adminUrl, 'CREATE DATABASE mem_state')
  const moodle = await buildTestMoodleDir({
    target: join(tmp, 'moodle'), dbtype: 'pgsql', wwwroot: 'http://127.0.0.1:8081', fixturesDir: fixtures,
    db: { host: '127.0.0.1', port: pgServer.port, name: 'mem_src', user: 'postgres', pass: '' },
  })
  const ids = Array.from({ length: sites }, (_, i) => `s${String(i + 1).padStart(3, '0')}`)
  const hostOf = (i: number) => `${ids[i]}.bench.test`
  const sitesFile = join(tmp, 'sites.yaml')
  writeFileSync(sitesFile, `sites:\n${ids.map((id, i) => `  - { id: ${id}, moodle_dir: ${moodle.dir}, hosts: [${hostOf(i)}] }\n`).join('')}`)
  const port = await freePort()
  const config = await loadConfig({
    env: {
      MOODLE_BRIDGE_SITES: sitesFile, MOODLE_BRIDGE_STATE_URL: pgServer.urlFor('mem_state'), MOODLE_BRIDGE_OPS_LISTEN: 'off',
      MOODLE_BRIDGE_API_KEY: KEY, MOODLE_BRIDGE_LOG_LEVEL: 'warn', MOODLE_BRIDGE_SITES_MAX_OPEN: '0', MOODLE_BRIDGE_PORT: String(port),
      MOODLE_BRIDGE_HOST: '127.0.0.1', ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('MOODLE_BRIDGE_')) as Array<[string, string]>),
    },
  })
  server = await createMultiSiteServer(config, sitesFile, processLogger(config))
  await server.listen()
  const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`
  const row = (label: string, m: NodeJS.MemoryUsage, base?: NodeJS.MemoryUsage, added = 1) =>
    console.log(
      `${label.padEnd(14)} heapUsed ${mb(m.heapUsed).padStart(10)}  external ${mb(m.external).padStart(9)}  arrayBuffers ${mb(m.arrayBuffers).padStart(9)}  rss ${mb(m.rss).padStart(10)}` +
        (base ? `   per added site: heap ${mb((m.heapUsed - base.heapUsed) / added)}, external ${mb((m.external - base.external) / added)}, rss ${mb((m.rss - base.rss) / added)}` : ''),
    )
  const m0 = await settled()
  row('no site', m0)
  const open = async (i: number) => {
    const status = await get(port, hostOf(i))
    if (status !== 200) throw new Error(`site ${ids[i]} answered ${status}`)
  }
  await open(0)
  await new Promise((r) => setTimeout(r, 2000)) // its warm-up
  const m1 = await settled()
  row('1 site', m1, m0)
  if (process.env['MEM_SNAPSHOT']) mkdirSync(snapDir, { recursive: true })
  const snap1 = process.env['MEM_SNAPSHOT'] ? writeHeapSnapshot(join(snapDir, '1.heapsnapshot')) : null
  const step = Math.max(1, Math.floor(sites / 4))
  for (let i = 1; i < sites; i++) {
    await open(i)
    if ((i + 1) % step === 0 || i === sites - 1) {
      await new Promise((r) => setTimeout(r, 2000))
      row(`${i + 1} sites`, await settled(), m1, i)
    }
  }
  if (process.env['MEM_LATENCY']) {
    // One request at a time, each to the next site: what a request costs when its site's reuse
    // windows have expired (and, after a pause, when its pool has closed its idle connections).
    const timeRound = async (label: string) => {
      const ms: number[] = []
      for (let i = 0; i < sites; i++) {
        const t = performance.now()
        await open(i)
        ms.push(performance.now() - t)
      }
      ms.sort((a, b) => a - b)
      console.log(`${label}: median ${ms[Math.floor(ms.length / 2)]!.toFixed(1)} ms, max ${ms[ms.length - 1]!.toFixed(1)} ms over ${sites} sites`)
    }
    await new Promise((r) => setTimeout(r, 12_000))
    await timeRound('cold (pools idle-closed, reuse expired)')
    await new Promise((r) => setTimeout(r, 3_000))
    // MEM_PROFILE=file.cpuprofile: a CPU profile of the next rounds (open it in Chrome DevTools).
    const profile = process.env['MEM_PROFILE']
    const session = profile ? new Session() : null
    if (session) {
      session.connect()
      await session.post('Profiler.enable')
      await session.post('Profiler.setSamplingInterval', { interval: 200 })
      await session.post('Profiler.start')
    }
    await timeRound('reuse expired, connections open')
    await timeRound('again at once')
    for (let k = 0; k < Number(process.env['MEM_ROUNDS'] ?? 0); k++) {
      await new Promise((r) => setTimeout(r, 2_100))
      await timeRound(`after 2.1 s (round ${k + 1})`)
    }
    if (session && profile) {
      const { profile: data } = (await session.post('Profiler.stop')) as { profile: unknown }
      writeFileSync(profile, JSON.stringify(data))
      session.disconnect()
    }
  }
  if (snap1) {
    const snapN = writeHeapSnapshot(join(snapDir, `${sites}.heapsnapshot`))
    console.log(`\nheap growth by constructor from 1 to ${sites} sites, per added site (snapshots in ${snapDir}):`)
    for (const [name, bytes, count] of diffSnapshots(snap1, snapN, 40)) {
      console.log(`  ${mb(bytes / (sites - 1)).padStart(10)}  ${String(Math.round(count / (sites - 1))).padStart(7)} objects  ${name}`)
    }
  }
} finally {
  await server?.close()
  await db?.stop()
  if (!process.env['MEM_SNAPSHOT_DIR']) rmSync(tmp, { recursive: true, force: true })
}
