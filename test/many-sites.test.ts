/**
 * Many sites, many instances (issue #8 point 6), with real databases and real
 * `bin/moodle-bridge` subprocesses:
 * 1. 20 PostgreSQL sites (`CREATE DATABASE … TEMPLATE` copies of the fixture) and 2 MariaDB sites
 *    behind one `serve --sites`, routed by host, by prefix, or both; each answers with its own
 *    course name and key; an unknown host or prefix gets a 404 naming no site.
 * 2. One site's database made unreachable mid-test: that site answers 503 with Retry-After while a
 *    steady stream of requests to every other site gets 200; it serves again once the database is back.
 * 3. The sites file changed under load: a site added, one removed, one's key changed; no failed
 *    request to a site that stays.
 * 4. Two service and two worker processes on one shared store (PostgreSQL, and MariaDB when
 *    configured): a lock-out reached through both, 1,000 jobs across 20 sites each run exactly once,
 *    and a site with 500 queued jobs not delaying another site's single job by more than a round.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { freePort, hostRequest, startBridge, type BridgeProcess, type HttpAnswer } from './support/bridge-process.ts'
import { ANY_HOST, SHARED_HOST, createFixtureSite, setPgReachable, siteEntry, siteKey, type FixtureSite } from './support/sites-fixture.ts'
import { createPgCopy, mysqlOptions, pgAdmin, testEnv, type DbCopy } from './support/test-env.ts'

const API = '/local/moopanel/server.php'
const PG_SITES = 20

/** GET / of a site with its own key (or `key`). */
const siteGet = (port: number, site: FixtureSite, key: string | null = site.key, path = '/'): Promise<HttpAnswer> =>
  hostRequest(port, site.host, `${site.prefix}${API}${path}`, key)

/** Waits until `check` holds, polling every 100 ms; `what` names it in the failure. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000, log: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${log().slice(-3000)}`)
    await sleep(100)
  }
}

/** The warnings and errors a process logged (JSON lines), for failure messages. */
function problems(p: BridgeProcess): string {
  const lines = p.output().split('\n')
  const logged = lines.filter((l) => /"level":(50|60)/.test(l)).slice(-6)
  const exited = p.child.exitCode !== null || p.child.signalCode !== null
  const unlogged = lines.filter((l) => l.trim() !== '' && !l.startsWith('{')).slice(-30)
  return [...logged, ...(exited ? [`exited: ${p.child.exitCode ?? p.child.signalCode}`, ...unlogged] : [])].join('\n')
}

/** Runs `tasks` with at most `limit` at a time. */
async function inBatches<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++]!)
  }))
}

/**
 * A steady stream of GET / requests spread over `targets` (`workers` at a time) until `end()`;
 * every answer must be 200 with the site's own name.
 */
function startLoad(port: number, targets: () => readonly FixtureSite[], workers = 6) {
  let stopped = false
  let count = 0
  const failures: string[] = []
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = w; !stopped; i += workers) {
      const list = targets()
      const site = list[i % list.length]!
      try {
        const res = await siteGet(port, site)
        count++
        if (res.status !== 200 || res.json.site_fullname !== site.name) failures.push(`${site.id}: ${res.status} ${res.body.slice(0, 200)}`)
      } catch (error) {
        failures.push(`${site.id}: ${(error as Error).message}`)
      }
    }
  })
  return {
    get count() {
      return count
    },
    async end(): Promise<{ count: number; failures: string[] }> {
      stopped = true
      await Promise.all(loops)
      return { count, failures }
    },
  }
}

describe('many sites: 20 PostgreSQL and 2 MariaDB fixture sites', () => {
  const env = testEnv()
  const dir = mkdtempSync(join(env.tmpDir, 'many-sites-'))
  const pgSites: FixtureSite[] = []
  /** Every copy made, dropped in after() even when making the others failed. */
  const made: FixtureSite[] = []
  const mariaSites: FixtureSite[] = []
  /** A PostgreSQL site that is not in the first file: added under load. */
  let extra: FixtureSite | undefined
  const all = () => [...pgSites, ...mariaSites]

  let copiesMs = 0
  before(async () => {
    const started = Date.now()
    const routing = (i: number) => (['host', 'prefix', 'both'] as const)[i % 3]!
    const makePg = (async () => {
      // A few at a time (copies of one template may be made concurrently), kept in site order.
      const byIndex: FixtureSite[] = []
      const ids = Array.from({ length: PG_SITES + 1 }, (_, i) => i)
      await inBatches(ids, 3, async (i) => {
        const site = await createFixtureSite(`pg${String(i).padStart(2, '0')}`, 'pgsql', i === PG_SITES ? 'host' : routing(i), env.moodleDirPg)
        made.push(site)
        if (i < PG_SITES) byIndex[i] = site
        else extra = site
      })
      pgSites.push(...byIndex)
    })()
    const makeMaria = (async () => {
      if (!env.mysqlUrl || !env.moodleDirMysql) return
      for (const [id, routing] of [['my0', 'host'], ['my1', 'both']] as const) {
        const site = await createFixtureSite(id, 'mariadb', routing, env.moodleDirMysql)
        made.push(site)
        mariaSites.push(site)
      }
    })()
    // Both settle before a failure is reported, so that after() drops every copy made.
    const results = await Promise.allSettled([makePg, makeMaria])
    for (const r of results) if (r.status === 'rejected') throw r.reason
    copiesMs = Date.now() - started
  })
  after(async () => {
    for (const site of made) await site.copy.drop().catch(() => undefined)
  })

  describe('one serve process with a sites file', () => {
    const sitesFile = join(dir, 'sites.yaml')
    let bridge: BridgeProcess
    let port: number
    const writeSites = (entries: string[]) => {
      const next = join(dir, 'sites.next.yaml')
      writeFileSync(next, `sites:\n${entries.join('')}`)
      renameSync(next, sitesFile) // renamed into place: the watcher never sees half a file
    }

    let state: DbCopy | undefined
    before(async () => {
      writeSites(all().map((s) => siteEntry(s)))
      port = await freePort()
      // A sites file needs the shared store (issue #8 point 3).
      state = await createPgCopy('many_sites_state')
      bridge = startBridge(['serve'], {
        MOODLE_BRIDGE_SITES: sitesFile,
        MOODLE_BRIDGE_STATE_URL: state.url,
        MOODLE_BRIDGE_PORT: String(port),
        MOODLE_BRIDGE_LOG_LEVEL: 'info',
        MOODLE_BRIDGE_LOG_FORMAT: 'json',
        MOODLE_BRIDGE_OPS_LISTEN: 'off',
      })
      await bridge.waitFor('"serving sites"')
    })
    after(async () => {
      await bridge?.stop()
      await state?.drop()
    })

    it('routes by host, by prefix and by both, each site answering with its own database and key', async (t) => {
      t.diagnostic(`${pgSites.length + 1} PostgreSQL and ${mariaSites.length} MariaDB copies made in ${(copiesMs / 1000).toFixed(1)} s`)
      if (mariaSites.length === 0) t.diagnostic('MariaDB is not configured (MB_TEST_MYSQL_URL): the 2 MariaDB sites are skipped')
      const sites = all()
      assert.ok(sites.some((s) => s.prefix === '') && sites.some((s) => s.host === ANY_HOST) && sites.some((s) => s.host === SHARED_HOST))
      await inBatches(sites, 4, async (site) => {
        const res = await siteGet(port, site)
        assert.equal(res.status, 200, `${site.id}: ${res.body}\n${problems(bridge)}`)
        assert.equal(res.json.site_fullname, site.name, site.id)
      })
      // Every site has its own key: the key of another site is refused there.
      await inBatches(sites, 4, async (site) => {
        const other = sites[(sites.indexOf(site) + 1) % sites.length]!
        const res = await siteGet(port, site, other.key)
        assert.equal(res.status, 401, `${site.id}: ${res.body}`)
        assert.deepEqual(res.json, { error: 'Authorization failed.' })
      })
      const count = await siteGet(port, sites[1]!, sites[1]!.key, '/users/count')
      assert.equal(count.status, 200, count.body)
    })

    it('answers 404 JSON naming no site for an unknown host or prefix', async () => {
      const probes: Array<[string, string]> = [
        ['nowhere.example.org', `${API}/`],
        [SHARED_HOST, `${API}/`],
        [SHARED_HOST, `/pg99${API}/`],
        ['nowhere.example.org', '/local/middag/index.php/api/v1/items'],
      ]
      for (const [host, path] of probes) {
        const res = await hostRequest(port, host, path, siteKey('pg00'))
        assert.equal(res.status, 404, `${host}${path}: ${res.body}`)
        assert.match(String(res.headers['content-type']), /^application\/json/)
        if (path.includes('/local/middag/')) assert.equal(res.json.success, false, res.body)
        else assert.deepEqual(res.json, { error: 'Not found.' })
        for (const site of all()) assert.ok(!res.body.includes(site.id), `the 404 names ${site.id}`)
        assert.ok(!res.body.includes('example.org'))
      }
    })

    it('keeps a site whose database stops to itself: the others answer 200 throughout, it serves again once the database is back', async (t) => {
      const down = pgSites[3]!
      const others = all().filter((s) => s !== down)
      assert.equal((await siteGet(port, down)).status, 200, 'open before it stops')
      const load = startLoad(port, () => others)
      let restored = false
      try {
        const running = load.count
        await until(async () => load.count > running + 10, 'the load to run')
        await setPgReachable(down.copy, false)
        // It stops answering 200 (what it read last is reused for read_reuse_ms at most).
        const seen: HttpAnswer[] = []
        await until(async () => {
          const res = await siteGet(port, down)
          seen.push(res)
          return res.status !== 200
        }, `${down.id} to notice its database is gone`, 30_000, bridge.output)
        // While it is down: JSON errors, never a stack trace.
        for (let i = 0; i < 5; i++) {
          const res = await siteGet(port, down)
          seen.push(res)
          assert.notEqual(res.status, 200, res.body)
          assert.match(String(res.headers['content-type']), /^application\/json/)
          assert.equal(typeof res.json.error, 'string', res.body)
          assert.ok(!/\bat .*\.ts:\d+/.test(res.body), res.body)
          await sleep(300)
        }
        const downAnswers = seen.filter((r) => r.status !== 200)
        await t.test('answers 503 with Retry-After while its database is down (issue #8 point 2)', () => {
          for (const res of downAnswers) {
            assert.equal(res.status, 503, res.body)
            assert.deepEqual(res.json, { error: 'Service Unavailable - try again later.' })
            assert.match(String(res.headers['retry-after']), /^[1-9]\d*$/)
          }
        })
        t.diagnostic(`while down ${down.id} answered ${[...new Set(downAnswers.map((r) => `${r.status} ${r.body.slice(0, 60)}`))].join('; ')}`)
        const meanwhile = load.count
        await until(async () => load.count > meanwhile + 20, 'the others answering meanwhile')
        await setPgReachable(down.copy, true)
        restored = true
        // Back within the back-off it announced (1 s when it announced none), plus the time one open takes.
        const retryAfterS = Math.max(1, ...downAnswers.map((r) => Number(r.headers['retry-after']) || 0))
        await until(async () => (await siteGet(port, down)).status === 200, `${down.id} back`, (retryAfterS + 15) * 1000, bridge.output)
        assert.equal((await siteGet(port, down)).json.site_fullname, down.name)
      } finally {
        if (!restored) await setPgReachable(down.copy, true).catch(() => undefined)
        const { count, failures } = await load.end()
        assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${count} requests to the other sites failed\n${problems(bridge)}`)
      }
    })

    it('follows the sites file under load: a site added, one removed, one key changed, no failed request to the others', async () => {
      assert.ok(extra)
      const sites = all()
      const removed = pgSites[19]!
      const changed = pgSites[18]!
      const staying = sites.filter((s) => s !== removed && s !== changed)
      const load = startLoad(port, () => staying)
      const from = bridge.output().length
      try {
        const before = load.count
        await until(async () => load.count > before + 20, 'the load to run')
        const newKey = siteKey(changed.id, 2)
        writeSites([...staying.map((s) => siteEntry(s)), siteEntry(changed, { api_key: newKey }), siteEntry(extra!)])
        await bridge.waitFor('"sites file changed"', 20_000, from)
        await until(async () => (await siteGet(port, extra!)).status === 200, `${extra!.id} added`, 30_000, bridge.output)
        assert.equal((await siteGet(port, extra!)).json.site_fullname, extra!.name)
        const gone = await siteGet(port, removed)
        assert.equal(gone.status, 404, gone.body)
        assert.deepEqual(gone.json, { error: 'Not found.' })
        const withNew = await siteGet(port, changed, newKey)
        assert.equal(withNew.status, 200, withNew.body)
        assert.equal(withNew.json.site_fullname, changed.name)
        const withOld = await siteGet(port, changed)
        assert.equal(withOld.status, 401, withOld.body)
        const after = load.count
        await until(async () => load.count > after + 20, 'the load to go on')
      } finally {
        const { count, failures } = await load.end()
        assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${count} requests to staying sites failed\n${problems(bridge)}`)
      }
      assert.equal(bridge.child.exitCode, null)
    })
  })

  for (const storeKind of ['pgsql', 'mariadb'] as const) {
    describe(`two service and two worker processes on one ${storeKind === 'pgsql' ? 'PostgreSQL' : 'MariaDB'} store`, () => {
      const skip = storeKind === 'mariadb' && !env.mysqlAdminUrl ? 'MariaDB is not configured (MB_TEST_MYSQL_URL)' : false
      sharedStoreSuite(storeKind, skip, () => pgSites, dir)
    })
  }
})

/** What a state store database needs: its URL, a query helper and a drop. */
interface StateDb {
  url: string
  query<T = Record<string, unknown>>(text: string): Promise<T[]>
  drop(): Promise<void>
}

let stateDbs = 0

async function createStateDb(kind: 'pgsql' | 'mariadb'): Promise<StateDb> {
  const env = testEnv()
  const name = `mb_many_state_${process.pid}_${++stateDbs}`
  if (kind === 'pgsql') {
    await pgAdmin(`CREATE DATABASE "${name}"`)
    const url = new URL(env.pgAdminUrl)
    url.pathname = `/${name}`
    const pool = new pg.Pool({ connectionString: url.toString(), max: 2 })
    return {
      url: url.toString(),
      query: async <T>(text: string) => (await pool.query(text)).rows as T[],
      drop: async () => {
        await pool.end()
        await pgAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      },
    }
  }
  const admin = env.mysqlAdminUrl!
  const conn = await mysql.createConnection(mysqlOptions(admin, ''))
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  await conn.query(`USE \`${name}\``)
  const url = new URL(admin)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    query: async <T>(text: string) => (await conn.query(text))[0] as T[],
    drop: async () => {
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``)
      await conn.end()
    },
  }
}

/** A stand-in MooPanel that accepts every callback, records it, and answers after `delayMs`. */
async function startCallbackReceiver(): Promise<{ url: string; received: Array<{ instanceId: number; backupResultId: number }>; delayMs: number; close(): Promise<void> }> {
  const state = { received: [] as Array<{ instanceId: number; backupResultId: number }>, delayMs: 0 }
  const server: Server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const instance = /\/instance\/(\d+)$/.exec(req.url ?? '')
      let backupResultId = -1
      try {
        backupResultId = Number((JSON.parse(body) as { backup_result_id?: unknown }).backup_result_id)
      } catch {
        // recorded as -1: the assertion shows it
      }
      state.received.push({ instanceId: instance ? Number(instance[1]) : -1, backupResultId })
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}'), state.delayMs)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    get received() {
      return state.received
    },
    get delayMs() {
      return state.delayMs
    },
    set delayMs(ms: number) {
      state.delayMs = ms
    },
    close: () => new Promise<void>((r) => {
      server.close(() => r())
      server.closeAllConnections()
    }),
  }
}

/** The body of DELETE /backups for `count` backup files of one site (links that name no file). */
function deleteBody(instanceId: number, site: string, firstResultId: number, count: number): string {
  const backups = Array.from({ length: count }, (_, i) => ({
    backup_result_id: firstResultId + i,
    storage_id: 1,
    link: `auto/many_${site}_${firstResultId + i}.zip`,
  }))
  return JSON.stringify({ data: { instance_id: instanceId, user_id: 2, storages: [{ storage_id: 1, storage_key: 'local', credentials: {} }], backups } })
}

const JOB_CONCURRENCY = 2
const WORKERS = 2
const LOCKOUT_THRESHOLD = 4

/**
 * Point 4 on one store kind: the 20 PostgreSQL sites behind two `serve` processes (job_workers off)
 * and two `worker` processes, all with the same sites file and `state_url`.
 */
function sharedStoreSuite(kind: 'pgsql' | 'mariadb', skip: string | false, sites: () => FixtureSite[], dir: string): void {
  const sitesFile = join(dir, `shared-${kind}.yaml`)
  const processes: BridgeProcess[] = []
  const ports: number[] = []
  let state: StateDb | undefined
  let receiver: Awaited<ReturnType<typeof startCallbackReceiver>> | undefined
  const instanceOf = (index: number) => 100 + index

  // Started by the first test that needs them (a failure then belongs to that test), stopped in after().
  let starting: Promise<void> | undefined
  const ready = () => (starting ??= start())
  async function start(): Promise<void> {
    receiver = await startCallbackReceiver()
    state = await createStateDb(kind)
    writeFileSync(sitesFile, `sites:\n${sites().map((s) => siteEntry(s)).join('')}`)
    const common = {
      MOODLE_BRIDGE_SITES: sitesFile,
      MOODLE_BRIDGE_STATE_URL: state.url,
      MOODLE_BRIDGE_LOG_LEVEL: 'info',
      MOODLE_BRIDGE_LOG_FORMAT: 'json',
      MOODLE_BRIDGE_OPS_LISTEN: 'off',
      MOODLE_BRIDGE_MOOPANEL_URL: receiver.url,
      MOODLE_BRIDGE_CALLBACK_RATE_PER_MINUTE: '1000000',
      MOODLE_BRIDGE_AUTH_LOCKOUT_THRESHOLD: String(LOCKOUT_THRESHOLD),
      MOODLE_BRIDGE_JOB_CONCURRENCY: String(JOB_CONCURRENCY),
      MOODLE_BRIDGE_UPDATE_CHECK: 'off',
    }
    for (let i = 0; i < 2; i++) {
      const port = await freePort()
      ports.push(port)
      processes.push(startBridge(['serve'], { ...common, MOODLE_BRIDGE_PORT: String(port), MOODLE_BRIDGE_JOB_WORKERS: 'off' }))
    }
    for (let i = 0; i < WORKERS; i++) processes.push(startBridge(['worker'], common))
    // Started together; each must come up (a process that stops names why).
    await Promise.all(processes.map((p, i) => p.waitFor(i < 2 ? '"serving sites"' : 'job worker running')))
  }
  after(async () => {
    await Promise.all(processes.map((p) => p.stop()))
    await receiver?.close()
    await state?.drop()
  })

  /** What the processes logged as problems, for a timeout's message. */
  const logs = () => processes.map((p, i) => `process ${i}:\n${problems(p)}`).join('\n')
  const jobsOf = async (where: string) =>
    state!.query<{ site: string; type: string; state: string; attempts: number | string; n: number | string }>(
      `SELECT site, type, state, attempts, COUNT(*) AS n FROM mb_jobs WHERE ${where} GROUP BY site, type, state, attempts`,
    )

  it('runs 1,000 jobs across 20 sites each exactly once (DELETE /backups, one job per file, through both service processes)', { skip }, async () => {
    await ready()
    const list = sites()
    receiver!.received.length = 0
    await inBatches(list, 4, async (site) => {
      const index = list.indexOf(site)
      const res = await hostRequest(ports[index % 2]!, site.host, `${site.prefix}${API}/backups`, site.key, { method: 'DELETE', body: deleteBody(instanceOf(index), site.id, 1, 50) })
      assert.equal(res.status, 200, `${site.id}: ${res.body}\n${problems(processes[index % 2]!)}`)
      const answers = res.json.backups as Array<{ status: boolean; moodle_job_id: number | null }>
      assert.equal(answers.length, 50)
      assert.ok(answers.every((a) => a.status === true && typeof a.moodle_job_id === 'number'), res.body.slice(0, 300))
    })
    await until(async () => receiver!.received.length >= 1000 && (await jobsOf(`state <> 'finished'`)).length === 0, '1,000 callbacks and every job finished', 150_000, logs)
    await sleep(500) // a second delivery would come now
    const seen = new Map<string, number>()
    for (const r of receiver!.received) seen.set(`${r.instanceId}/${r.backupResultId}`, (seen.get(`${r.instanceId}/${r.backupResultId}`) ?? 0) + 1)
    assert.equal(receiver!.received.length, 1000)
    for (let index = 0; index < list.length; index++) for (let id = 1; id <= 50; id++) assert.equal(seen.get(`${instanceOf(index)}/${id}`), 1, `site ${index} backup ${id}`)
    // In the store: per site, 50 deletions and 50 callbacks, finished after one attempt each.
    const rows = await jobsOf('1 = 1')
    for (const site of list) {
      const mine = rows.filter((r) => r.site === site.id)
      assert.deepEqual(
        mine.map((r) => `${r.type} ${r.state} ${Number(r.attempts)} ${Number(r.n)}`).sort(),
        ['backup_course_delete finished 1 50', 'callback.send finished 1 50'],
        site.id,
      )
    }
  })

  it('is fair across sites: 500 queued jobs of one site do not hold another site\'s single job back for more than a round', { skip }, async () => {
    await ready()
    const list = sites()
    const busy = list[2]!
    const quiet = list[3]!
    receiver!.received.length = 0
    // Each callback takes a while, so the busy site's jobs are slow and a round is visible.
    receiver!.delayMs = 50
    try {
      const bulk = await hostRequest(ports[0]!, busy.host, `${busy.prefix}${API}/backups`, busy.key, { method: 'DELETE', body: deleteBody(instanceOf(2), busy.id, 1001, 500) })
      assert.equal(bulk.status, 200, bulk.body.slice(0, 300))
      const single = await hostRequest(ports[1]!, quiet.host, `${quiet.prefix}${API}/backups`, quiet.key, { method: 'DELETE', body: deleteBody(instanceOf(3), quiet.id, 1001, 1) })
      assert.equal(single.status, 200, single.body)
      const busyBefore = receiver!.received.filter((r) => r.instanceId === instanceOf(2)).length
      await until(async () => receiver!.received.some((r) => r.instanceId === instanceOf(3)), `${quiet.id}'s callback`, 120_000, logs)
      const quietAt = receiver!.received.findIndex((r) => r.instanceId === instanceOf(3))
      const busyMeanwhile = receiver!.received.slice(0, quietAt).filter((r) => r.instanceId === instanceOf(2)).length - busyBefore
      // The quiet site's two jobs (its deletion, then its callback) each wait at most one round of
      // every worker slot: beyond that the busy site was served ahead of it.
      const slots = WORKERS * JOB_CONCURRENCY
      assert.ok(busyMeanwhile <= 2 * slots, `${busyMeanwhile} callbacks of the busy site were delivered before the quiet site's (at most ${2 * slots})`)
      await until(async () => (await jobsOf(`state <> 'finished'`)).length === 0, 'the busy site drained', 150_000, logs)
    } finally {
      receiver!.delayMs = 0
    }
  })

  // Last: it leaves site 0 locked out for the rest of the suite.
  it('counts a lock-out across both service processes: wrong keys split between them lock out the right key on either', { skip }, async () => {
    await ready()
    const site = sites()[0]!
    const wrong = siteKey(site.id, 99)
    for (let i = 0; i < LOCKOUT_THRESHOLD; i++) {
      const res = await siteGet(ports[i % 2]!, site, wrong)
      assert.equal(res.status, 401, res.body)
    }
    // Each process learns the lock-outs in force from the store once a second (docs/sites.md).
    await sleep(2500)
    for (const port of ports) {
      const res = await siteGet(port, site)
      assert.equal(res.status, 429, `port ${port}: ${res.body}`)
      assert.deepEqual(res.json, { error: 'Too many failed authorization attempts.' })
      assert.match(String(res.headers['retry-after']), /^[1-9]\d*$/)
    }
    // Another site is not locked out by it.
    assert.equal((await siteGet(ports[1]!, sites()[1]!)).status, 200)
  })
}
