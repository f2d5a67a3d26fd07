/**
 * The job engine on real SQL, in one loop over databases: PGlite always, PostgreSQL when
 * MB_TEST_PG_ADMIN_URL is set, MariaDB/MySQL when MB_TEST_MYSQL_URL is set. Each database is a
 * scratch one created here and dropped afterwards; each test uses its own table prefix.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { PGlite } from '@electric-sql/pglite'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { createDialect, parseDatabaseUrl } from '../moodle/index.ts'
import { openStore, type Store } from '../store/index.ts'
import {
  claimNextJob,
  completeJob,
  createJobRegistry,
  createWorker,
  defineJob,
  enqueueJobs,
  findIdempotentJobs,
  findJob,
  listUnfinishedJobs,
  listUnfinishedPayloads,
  purgeFinishedJobs,
  retryJob,
  RetryableError,
  settleJob,
  type JobDefinition,
  type Worker,
} from './index.ts'

interface TestDatabase {
  name: string
  skip: string | false
  /** Prepares the database; returns a store opener and a teardown. */
  setup(): Promise<{ open(prefix: string): Promise<Store>; drop(): Promise<void> }>
}

const scratchName = `mb_jobs_${process.pid}_${Date.now() % 100_000}`

const databases: TestDatabase[] = [
  {
    name: 'PGlite',
    skip: false,
    async setup() {
      const pglite = new PGlite()
      return {
        open: (prefix) => openStore({ dialect: createDialect({ driver: 'pglite', pglite }), family: 'postgres', prefix, ownsConnection: true }),
        drop: () => pglite.close(),
      }
    },
  },
  {
    name: 'PostgreSQL',
    skip: !process.env.MB_TEST_PG_ADMIN_URL && 'MB_TEST_PG_ADMIN_URL is not set',
    async setup() {
      const adminUrl = process.env.MB_TEST_PG_ADMIN_URL!
      const admin = new pg.Client({ connectionString: adminUrl })
      await admin.connect()
      await admin.query(`CREATE DATABASE ${scratchName}`)
      const url = new URL(adminUrl)
      url.pathname = `/${scratchName}`
      return {
        open: (prefix) => openStore({ dialect: createDialect(parseDatabaseUrl(url.href, 8)), family: 'postgres', prefix, ownsConnection: true }),
        async drop() {
          await admin.query(`DROP DATABASE IF EXISTS ${scratchName} WITH (FORCE)`)
          await admin.end()
        },
      }
    },
  },
  {
    name: 'MariaDB',
    skip: !process.env.MB_TEST_MYSQL_URL && 'MB_TEST_MYSQL_URL is not set',
    async setup() {
      const adminUrl = new URL(process.env.MB_TEST_MYSQL_URL!)
      const admin = await mysql.createConnection({
        host: adminUrl.hostname || '127.0.0.1',
        port: Number(adminUrl.port || 3306),
        user: decodeURIComponent(adminUrl.username || 'root'),
        password: decodeURIComponent(adminUrl.password),
      })
      await admin.query(`CREATE DATABASE ${scratchName} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
      const url = new URL(adminUrl.href)
      url.pathname = `/${scratchName}`
      return {
        open: (prefix) => openStore({ dialect: createDialect(parseDatabaseUrl(url.href, 8)), family: 'mysql', prefix, ownsConnection: true }),
        async drop() {
          await admin.query(`DROP DATABASE IF EXISTS ${scratchName}`)
          await admin.end()
        },
      }
    },
  },
]

/** Polls until `check` is true; fails after `timeoutMs`. */
async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

async function countJobs(store: Store, state?: string): Promise<number> {
  const row = await store.db
    .selectFrom('store_jobs')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .$if(state !== undefined, (qb) => qb.where('state', '=', state!))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

async function jobRow(store: Store, id: number) {
  return store.db
    .selectFrom('store_jobs')
    .select(['state', 'outcome', 'summary', 'attempts', 'result', 'lease_owner', 'run_after_ms', 'journal'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
}

for (const database of databases) {
  describe(`job engine on ${database.name}`, { skip: database.skip }, () => {
    let db: Awaited<ReturnType<TestDatabase['setup']>>
    const stores: Store[] = []
    const workers: Worker[] = []
    let prefixSeq = 0

    /** `count` stores on a fresh table prefix (a store per worker, as separate processes would have). */
    async function freshStores(count: number): Promise<Store[]> {
      const prefix = `jt${++prefixSeq}_`
      const opened: Store[] = []
      for (let i = 0; i < count; i++) opened.push(await db.open(prefix))
      stores.push(...opened)
      return opened
    }

    function startWorker(store: Store, definitions: JobDefinition<any>[], options: { owner: string; concurrency?: number; leaseMs?: number }): Worker {
      const worker = createWorker({ store, registry: createJobRegistry(definitions), pollMs: 5, leaseMs: 10_000, ...options })
      worker.start()
      workers.push(worker)
      return worker
    }

    async function stopWorkers() {
      await Promise.all(workers.splice(0).map((w) => w.stop({ timeoutMs: 2_000 })))
    }

    before(async () => {
      db = await database.setup()
    })
    after(async () => {
      await stopWorkers()
      for (const store of stores) await store.close()
      await db?.drop()
    })

    it('runs each of 1000 jobs exactly once with 4 workers', { timeout: 60_000 }, async (t) => {
      const all = await freshStores(4)
      const executions = new Map<number, number>()
      const count = defineJob<{ n: number }>({
        name: 'test.count',
        moodleChanging: false,
        async run({ job, payload }) {
          executions.set(job.id, (executions.get(job.id) ?? 0) + 1)
          return { n: payload.n }
        },
      })
      const { ids } = await enqueueJobs(all[0]!, Array.from({ length: 1000 }, (_, n) => count.request({ n })), { nowMs: Date.now() })
      assert.equal(ids.length, 1000)
      assert.equal(new Set(ids).size, 1000)
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ids come back in input order')
      const started = performance.now()
      all.forEach((store, i) => startWorker(store, [count], { owner: `w${i}`, concurrency: 4 }))
      await waitFor('all jobs finished', async () => (await countJobs(all[0]!, 'finished')) === 1000, 50_000)
      const elapsedMs = performance.now() - started
      await stopWorkers()
      assert.equal(executions.size, 1000)
      for (const id of ids) assert.equal(executions.get(id), 1, `job ${id} ran once`)
      const outcomes = await all[0]!.db.selectFrom('store_jobs').select(['outcome', 'attempts']).where('id', 'in', ids).execute()
      assert.ok(outcomes.every((o) => o.outcome === 'success' && o.attempts === 1))
      const first = await jobRow(all[0]!, ids[0]!)
      assert.deepEqual(JSON.parse(first.result!), { n: 0 })
      t.diagnostic(`${database.name}: 1000 jobs, 4 workers × 4 slots in ${Math.round(elapsedMs)} ms`)
    })

    it('lets another worker re-claim and complete the job of a worker that died mid-job', { timeout: 30_000 }, async () => {
      const [storeA, storeB] = await freshStores(2)
      const runs: Array<{ attempt: number; worker: string }> = []
      const make = (worker: string) =>
        defineJob({
          name: 'test.fragile',
          moodleChanging: false,
          async run({ job }) {
            runs.push({ attempt: job.attempt, worker })
            if (worker === 'A') await new Promise(() => {}) // hangs: the worker dies with it
            return { by: worker }
          },
        })
      const { ids } = await enqueueJobs(storeA!, [make('A').request({})], { nowMs: Date.now() })
      const id = ids[0]!
      const a = createWorker({ store: storeA!, registry: createJobRegistry([make('A')]), owner: 'A', pollMs: 5, leaseMs: 300 })
      a.start()
      await waitFor('worker A to start the job', () => runs.length === 1)
      await a.stop({ timeoutMs: 0 }) // abandoned: no heartbeat, no completion
      assert.equal((await jobRow(storeA!, id)).lease_owner, 'A')
      const b = startWorker(storeB!, [make('B')], { owner: 'B', leaseMs: 300 })
      await waitFor('job finished', async () => (await jobRow(storeB!, id)).state === 'finished')
      await b.stop()
      const row = await jobRow(storeB!, id)
      assert.equal(row.outcome, 'success')
      assert.equal(row.attempts, 2)
      assert.deepEqual(JSON.parse(row.result!), { by: 'B' })
      assert.deepEqual(runs, [{ attempt: 1, worker: 'A' }, { attempt: 2, worker: 'B' }])
    })

    it('fails a job whose last attempt died instead of running it again', async () => {
      const [store] = await freshStores(1)
      const { ids } = await enqueueJobs(store!, [{ type: 'test.once', payload: {}, moodleChanging: false, maxAttempts: 1 }], { nowMs: 1_000 })
      const types = ['test.once']
      assert.ok(await claimNextJob(store!, 'dead', { nowMs: 1_000, leaseMs: 500, types, allowMoodleChanging: true }))
      assert.equal(await claimNextJob(store!, 'B', { nowMs: 1_400, leaseMs: 500, types, allowMoodleChanging: true }), null, 'lease still held')
      const ran: number[] = []
      const once = defineJob({ name: 'test.once', moodleChanging: false, maxAttempts: 1, run: async ({ job }) => (ran.push(job.id), {}) })
      const worker = startWorker(store!, [once], { owner: 'B' })
      await waitFor('job finished', async () => (await jobRow(store!, ids[0]!)).state === 'finished')
      await worker.stop()
      const row = await jobRow(store!, ids[0]!)
      assert.deepEqual([row.outcome, row.summary, ran], ['failure', 'Lease expired after the last attempt.', []])
    })

    it('retries a transient failure with backoff, then succeeds', { timeout: 30_000 }, async () => {
      const [store] = await freshStores(1)
      const startedAt: number[] = []
      const flaky = defineJob({
        name: 'test.flaky',
        moodleChanging: false,
        maxAttempts: 3,
        backoff: { baseMs: 100, maxMs: 1_000 },
        async run({ job }) {
          startedAt.push(Date.now())
          if (job.attempt < 3) throw new RetryableError(`HTTP 503 on attempt ${job.attempt}`)
          return { attempt: job.attempt }
        },
      })
      const { ids } = await enqueueJobs(store!, [flaky.request({})], { nowMs: Date.now() })
      startWorker(store!, [flaky], { owner: 'w' })
      await waitFor('first failure recorded', async () => (await jobRow(store!, ids[0]!)).state === 'retry_wait')
      const waiting = await jobRow(store!, ids[0]!)
      assert.equal(waiting.summary, 'HTTP 503 on attempt 1')
      await waitFor('job finished', async () => (await jobRow(store!, ids[0]!)).state === 'finished')
      await stopWorkers()
      const row = await jobRow(store!, ids[0]!)
      assert.deepEqual([row.outcome, row.attempts, JSON.parse(row.result!)], ['success', 3, { attempt: 3 }])
      const [t1, t2, t3] = startedAt as [number, number, number]
      assert.ok(t2 - t1 >= 80, `first wait ≈100 ms ±20 %, was ${t2 - t1}`)
      assert.ok(t3 - t2 >= 160, `second wait ≈200 ms ±20 %, was ${t3 - t2}`)
    })

    it('keeps a retrying job waiting until its run-after time (fake clock)', async () => {
      const [store] = await freshStores(1)
      const types = ['test.wait']
      const { ids } = await enqueueJobs(store!, [{ type: 'test.wait', payload: { a: 1 }, moodleChanging: false, maxAttempts: 3 }], { nowMs: 10_000 })
      const claimed = await claimNextJob(store!, 'w', { nowMs: 10_000, leaseMs: 1_000, types, allowMoodleChanging: true })
      assert.deepEqual(claimed?.payload, { a: 1 })
      assert.ok(await retryJob(store!, claimed!, { delayMs: 5_000, summary: 'transient', nowMs: 10_100 }))
      assert.equal(Number((await jobRow(store!, ids[0]!)).run_after_ms), 15_100)
      assert.equal(await claimNextJob(store!, 'w', { nowMs: 15_099, leaseMs: 1_000, types, allowMoodleChanging: true }), null)
      const again = await claimNextJob(store!, 'w', { nowMs: 15_100, leaseMs: 1_000, types, allowMoodleChanging: true })
      assert.equal(again?.attempt, 2)
      assert.equal(await completeJob(store!, claimed!, { result: {}, nowMs: 15_200 }), false, 'a stale lease writes nothing')
      assert.ok(await completeJob(store!, again!, { result: { ok: true }, nowMs: 15_200 }))
    })

    it('fails after the last retryable attempt, and at once on other errors, with a summary', { timeout: 30_000 }, async () => {
      const [store] = await freshStores(1)
      const down = defineJob({
        name: 'test.down',
        moodleChanging: false,
        maxAttempts: 2,
        backoff: { baseMs: 5, maxMs: 5 },
        run: async () => {
          throw new RetryableError('Cannot download zip file')
        },
      })
      const broken = defineJob({
        name: 'test.broken',
        moodleChanging: false,
        run: async () => {
          throw new Error('x'.repeat(300))
        },
      })
      const { ids } = await enqueueJobs(store!, [down.request({}), broken.request({})], { nowMs: Date.now() })
      startWorker(store!, [down, broken], { owner: 'w', concurrency: 2 })
      await waitFor('both finished', async () => (await countJobs(store!, 'finished')) === 2)
      await stopWorkers()
      const [d, b] = [await jobRow(store!, ids[0]!), await jobRow(store!, ids[1]!)]
      assert.deepEqual([d.outcome, d.attempts, d.summary], ['failure', 2, 'Cannot download zip file'])
      assert.deepEqual([b.outcome, b.attempts, b.summary], ['failure', 1, 'x'.repeat(255)])
      assert.deepEqual(await findJob(store!, ids[0]!), {
        id: ids[0], type: 'test.down', state: 'finished', outcome: 'failure', summary: 'Cannot download zip file', payload: '{}', result: null,
      })
    })

    it('replays an idempotent enqueue within the window and creates new jobs outside it', async () => {
      const [store] = await freshStores(1)
      const job = { type: 'test.idem', payload: { course: 7 }, moodleChanging: false, maxAttempts: 3 }
      const key = 'POST /backups {"courses":[7]}'
      const first = await enqueueJobs(store!, [job, job], { nowMs: 1_000_000, idempotencyKey: key, windowS: 900 })
      assert.equal(first.replayed, false)
      const again = await enqueueJobs(store!, [job, job], { nowMs: 1_000_000 + 899_000, idempotencyKey: key, windowS: 900 })
      assert.deepEqual(again, { ids: first.ids, replayed: true, response: null })
      assert.deepEqual(await findIdempotentJobs(store!, key, { nowMs: 1_000_500, windowS: 900 }), first.ids)
      assert.equal(await countJobs(store!), 2)
      const later = await enqueueJobs(store!, [job, job], { nowMs: 1_000_000 + 901_000, idempotencyKey: key, windowS: 900 })
      assert.equal(later.replayed, false)
      assert.notDeepEqual(later.ids, first.ids)
      assert.equal(await countJobs(store!), 4)
      assert.equal((await enqueueJobs(store!, [job], { nowMs: 1_000_000, idempotencyKey: 'other', windowS: 900 })).replayed, false)
    })

    it('treats a repeated request as new once all its jobs are finished', async () => {
      const [store] = await freshStores(1)
      const job = { type: 'test.idem', payload: {}, moodleChanging: false, maxAttempts: 3 }
      const first = await enqueueJobs(store!, [job], { nowMs: 5_000, idempotencyKey: 'k' })
      const claimed = await claimNextJob(store!, 'w', { nowMs: 5_000, leaseMs: 1_000, types: ['test.idem'], allowMoodleChanging: true })
      await completeJob(store!, claimed!, { result: {}, nowMs: 5_100 })
      const second = await enqueueJobs(store!, [job], { nowMs: 5_200, idempotencyKey: 'k' })
      assert.equal(second.replayed, false)
      assert.notDeepEqual(second.ids, first.ids)
    })

    it('lets exactly one of concurrent identical requests create jobs', async () => {
      const [s1, s2, s3] = await freshStores(3)
      const job = { type: 'test.idem', payload: {}, moodleChanging: false, maxAttempts: 3 }
      const results = await Promise.all([s1!, s2!, s3!].map((s) => enqueueJobs(s, [job, job], { nowMs: 9_000, idempotencyKey: 'same' })))
      assert.equal(results.filter((r) => !r.replayed).length, 1)
      for (const r of results) assert.deepEqual(r.ids, results[0]!.ids)
      assert.equal(await countJobs(s1!), 2)
    })

    it('never overlaps Moodle-changing jobs while other jobs run in parallel', { timeout: 30_000 }, async () => {
      const [s1, s2] = await freshStores(2)
      const gauge = () => {
        let now = 0
        const g = { max: 0, enter: () => (g.max = Math.max(g.max, ++now)), leave: () => void now-- }
        return g
      }
      const changing = gauge()
      const plain = gauge()
      const upgrade = defineJob({
        name: 'test.upgrade',
        moodleChanging: true,
        async run() {
          changing.enter()
          await sleep(30)
          changing.leave()
          return {}
        },
      })
      const backup = defineJob({
        name: 'test.backup',
        moodleChanging: false,
        async run() {
          plain.enter()
          await sleep(30)
          plain.leave()
          return {}
        },
      })
      const jobs = Array.from({ length: 16 }, (_, i) => (i % 2 ? upgrade.request({}) : backup.request({})))
      await enqueueJobs(s1!, jobs, { nowMs: Date.now() })
      startWorker(s1!, [upgrade, backup], { owner: 'w1', concurrency: 4 })
      startWorker(s2!, [upgrade, backup], { owner: 'w2', concurrency: 4 })
      await waitFor('all finished', async () => (await countJobs(s1!, 'finished')) === 16)
      await stopWorkers()
      assert.equal(changing.max, 1, 'one Moodle-changing job at a time')
      assert.ok(plain.max >= 2, `other jobs ran in parallel (max ${plain.max})`)
      const lock = await s1!.db.selectFrom('store_locks').select(['owner']).where('name', '=', 'site').executeTakeFirstOrThrow()
      assert.equal(lock.owner, null, 'the site lock is free afterwards')
    })

    it('leaves a Moodle-changing job queued while the site lock is held, and takes the next job instead', async () => {
      const [store] = await freshStores(1)
      const changing = { type: 'test.change', payload: {}, moodleChanging: true, maxAttempts: 3 }
      const plain = { type: 'test.plain', payload: {}, moodleChanging: false, maxAttempts: 3 }
      const { ids } = await enqueueJobs(store!, [changing, changing, plain], { nowMs: 1_000 })
      const options = { nowMs: 1_000, leaseMs: 1_000, types: ['test.change', 'test.plain'], allowMoodleChanging: true }
      const first = await claimNextJob(store!, 'a', options)
      assert.equal(first?.id, ids[0])
      const next = await claimNextJob(store!, 'b', options)
      assert.equal(next?.id, ids[2], 'the second changing job is skipped')
      assert.equal((await jobRow(store!, ids[1]!)).state, 'queued')
      assert.equal(await claimNextJob(store!, 'b', options), null)
      assert.ok(await completeJob(store!, first!, { result: {}, nowMs: 1_100 }))
      assert.equal((await claimNextJob(store!, 'b', { ...options, nowMs: 1_200 }))?.id, ids[1])
    })

    it('holds the site lock shared: shared jobs run together, never beside a Moodle-changing one, which blocks new shared holders', async () => {
      const [store] = await freshStores(1)
      const shared = { type: 'test.backup', payload: {}, moodleChanging: false, sharedLock: true, maxAttempts: 3 }
      const changing = { type: 'test.change', payload: {}, moodleChanging: true, maxAttempts: 3 }
      const plain = { type: 'test.plain', payload: {}, moodleChanging: false, maxAttempts: 3 }
      const { ids } = await enqueueJobs(store!, [shared, shared, changing, shared, plain], { nowMs: 1_000 })
      const options = { nowMs: 1_000, leaseMs: 10_000, types: ['test.backup', 'test.change', 'test.plain'], allowMoodleChanging: true }
      const a = await claimNextJob(store!, 'a', options)
      const b = await claimNextJob(store!, 'b', options)
      assert.deepEqual([a?.id, b?.id], [ids[0], ids[1]], 'two shared holders at once')
      // The changing job waits for the shared holders; the shared job behind it may not start; the plain one may.
      const c = await claimNextJob(store!, 'c', options)
      assert.equal(c?.id, ids[4], 'only the job that needs no lock is taken')
      assert.equal(await claimNextJob(store!, 'd', options), null)
      assert.ok(await completeJob(store!, a!, { result: {}, nowMs: 1_100 }))
      assert.equal(await claimNextJob(store!, 'd', { ...options, nowMs: 1_100 }), null, 'one shared holder still runs')
      assert.ok(await completeJob(store!, b!, { result: {}, nowMs: 1_200 }))
      const x = await claimNextJob(store!, 'x', { ...options, nowMs: 1_200 })
      assert.equal(x?.id, ids[2], 'the changing job takes the lock once the shared holders are done')
      assert.equal(await claimNextJob(store!, 'e', { ...options, nowMs: 1_200 }), null, 'no shared holder while it runs')
      assert.ok(await completeJob(store!, x!, { result: {}, nowMs: 1_300 }))
      assert.equal((await claimNextJob(store!, 'e', { ...options, nowMs: 1_300 }))?.id, ids[3])
    })

    it('runs jobs with the same serial key one after another, in id order', async () => {
      const [store] = await freshStores(1)
      const job = (key: string) => ({ type: 'test.backup', payload: {}, moodleChanging: false, serialKey: key, maxAttempts: 3 })
      const { ids } = await enqueueJobs(store!, [job('course:1'), job('course:1'), job('course:2')], { nowMs: 1_000 })
      const options = { nowMs: 1_000, leaseMs: 10_000, types: ['test.backup'], allowMoodleChanging: true }
      const first = await claimNextJob(store!, 'a', options)
      const second = await claimNextJob(store!, 'b', options)
      assert.deepEqual([first?.id, second?.id], [ids[0], ids[2]])
      assert.equal(await claimNextJob(store!, 'c', options), null)
      assert.ok(await completeJob(store!, first!, { result: {}, nowMs: 1_100 }))
      assert.equal((await claimNextJob(store!, 'c', { ...options, nowMs: 1_100 }))?.id, ids[1])
    })

    it('keeps a journal across attempts: a re-claimed job resumes after its last recorded step', { timeout: 30_000 }, async () => {
      const [s1, s2] = await freshStores(2)
      const seen: Array<{ attempt: number; steps: unknown }> = []
      let release: () => void = () => undefined
      const hang = new Promise<void>((resolve) => (release = resolve))
      const stepped = defineJob<Record<string, never>>({
        name: 'test.stepped',
        moodleChanging: true,
        async run({ job, journal }) {
          seen.push({ attempt: job.attempt, steps: journal.get('swap') ?? null })
          if (!journal.get('swap')) {
            await journal.record('swap', { done: true })
            await hang // the first worker "dies" here
          }
          return { resumed: journal.get('swap') !== undefined }
        },
      })
      const { ids } = await enqueueJobs(s1!, [stepped.request({})], { nowMs: Date.now() })
      const dying = createWorker({ store: s1!, registry: createJobRegistry([stepped]), owner: 'dies', pollMs: 5, leaseMs: 300 })
      dying.start()
      await waitFor('first attempt recorded its step', async () => seen.length === 1 && (await jobRow(s1!, ids[0]!)).journal !== null)
      void dying.stop({ timeoutMs: 0 })
      startWorker(s2!, [stepped], { owner: 'survivor', leaseMs: 300 })
      await waitFor('finished by the survivor', async () => (await countJobs(s1!, 'finished')) === 1)
      release()
      assert.deepEqual(seen, [{ attempt: 1, steps: null }, { attempt: 2, steps: { done: true } }])
    })

    it('claims only jobs that do not touch Moodle while the gate holds', { timeout: 30_000 }, async () => {
      const [store] = await freshStores(1)
      const ran: string[] = []
      const inMoodle = defineJob({ name: 'test.inmoodle', moodleChanging: false, async run() { ran.push('moodle'); return {} } })
      const outside = defineJob({ name: 'test.outside', moodleChanging: false, touchesMoodle: false, async run() { ran.push('outside'); return {} } })
      await enqueueJobs(store!, [inMoodle.request({}), outside.request({})], { nowMs: Date.now() })
      let hold = true
      const worker = createWorker({ store: store!, registry: createJobRegistry([inMoodle, outside]), owner: 'g', pollMs: 5, gate: async () => ({ hold }) })
      worker.start()
      workers.push(worker)
      await waitFor('the outside job ran', async () => ran.includes('outside'))
      await sleep(50)
      assert.deepEqual(ran, ['outside'])
      hold = false
      await waitFor('the held job ran', async () => ran.includes('moodle'))
    })

    it('calls onFailure once when a job fails for good, before recording it (a reporting job is never left waiting)', { timeout: 30_000 }, async () => {
      const [store] = await freshStores(1)
      const failures: Array<{ id: number; summary: string; payload: unknown }> = []
      const broken = defineJob<{ n: number }>({
        name: 'test.broken',
        moodleChanging: false,
        reports: true,
        maxAttempts: 2,
        async run({ job }) {
          if (job.attempt === 1) throw new RetryableError('try again', 1)
          throw new Error('disk on fire')
        },
        async onFailure({ job, payload }, summary) {
          failures.push({ id: job.id, summary, payload })
        },
      })
      const { ids } = await enqueueJobs(store!, [broken.request({ n: 7 })], { nowMs: Date.now() })
      startWorker(store!, [broken], { owner: 'f' })
      await waitFor('reporting', async () => (await jobRow(store!, ids[0]!)).state === 'reporting')
      await stopWorkers()
      assert.deepEqual(failures, [{ id: ids[0], summary: 'disk on fire', payload: { n: 7 } }])
      assert.equal((await jobRow(store!, ids[0]!)).outcome, 'failure')
    })

    it('keeps findJob and listUnfinishedJobs working, and settles reporting jobs', { timeout: 30_000 }, async () => {
      const [store] = await freshStores(1)
      const backup = defineJob<{ courseid: number }>({ name: 'backup_course', moodleChanging: false, reports: true, run: async ({ payload }) => ({ course: payload.courseid }) })
      const { ids } = await enqueueJobs(store!, [backup.request({ courseid: 3 }), backup.request({ courseid: 4 })], { nowMs: Date.now() })
      assert.deepEqual(
        (await listUnfinishedJobs(store!, 'backup_course')).map((j) => [j.id, j.state, j.payload]),
        [[ids[0], 'queued', '{"courseid":3}'], [ids[1], 'queued', '{"courseid":4}']],
      )
      startWorker(store!, [backup], { owner: 'w' })
      await waitFor('both reporting', async () => (await countJobs(store!, 'reporting')) === 2)
      await stopWorkers()
      assert.deepEqual(await findJob(store!, ids[0]!), {
        id: ids[0], type: 'backup_course', state: 'reporting', outcome: 'success', summary: null, payload: '{"courseid":3}', result: '{"course":3}',
      })
      assert.ok(await settleJob(store!, ids[0]!, { nowMs: Date.now() }))
      assert.ok(await settleJob(store!, ids[1]!, { nowMs: Date.now(), outcome: 'failure', summary: 'Callback rejected.' }))
      assert.equal(await settleJob(store!, ids[1]!, { nowMs: Date.now() }), false, 'only a reporting job settles')
      assert.deepEqual(await listUnfinishedJobs(store!, 'backup_course'), [])
      assert.equal((await findJob(store!, ids[1]!))?.summary, 'Callback rejected.')
      assert.equal(await findJob(store!, 2_000_000_000), null)
    })

    it('reports stored jobs of a type no definition knows at start, and fails them when told to, without running them', { timeout: 30_000 }, async () => {
      const [store] = await freshStores(1)
      const known = defineJob({ name: 'test.known', moodleChanging: false, run: async () => ({}) })
      const renamed = { type: 'test.renamed', payload: { n: 1 }, moodleChanging: true, maxAttempts: 3 }
      const { ids } = await enqueueJobs(store!, [known.request({}), renamed, renamed], { nowMs: Date.now() })
      const errors: Array<{ data: object; message: string }> = []
      const log = { info() {}, warn() {}, error: (data: object, message: string) => void errors.push({ data, message }) }
      const run = async (unknownTypes?: 'report' | 'fail') => {
        const worker = createWorker({ store: store!, registry: createJobRegistry([known]), owner: 'u', pollMs: 5, log, ...(unknownTypes ? { unknownTypes } : {}) })
        workers.push(worker)
        worker.start()
        await waitFor('the known job', async () => (await jobRow(store!, ids[0]!)).state === 'finished')
        await stopWorkers()
      }
      await run()
      assert.deepEqual(errors, [{ data: { type: 'test.renamed', count: 2, ids: [ids[1], ids[2]], failed: false }, message: 'stored jobs of an unknown type' }])
      for (const id of ids.slice(1)) assert.equal((await jobRow(store!, id)).state, 'queued', 'reported only: another worker may know the type')
      errors.length = 0
      await run('fail')
      assert.equal(errors.length, 1)
      for (const id of ids.slice(1)) {
        assert.deepEqual(await findJob(store!, id), {
          id, type: 'test.renamed', state: 'finished', outcome: 'failure', summary: 'Unknown job type: test.renamed.', payload: '{"n":1}', result: null,
        })
        assert.equal((await jobRow(store!, id)).attempts, 0, 'never claimed')
      }
      errors.length = 0
      await run('fail')
      assert.deepEqual(errors, [], 'nothing left to report')
    })

    it('lists the unfinished jobs of some types with their payloads (reporting ones included)', async () => {
      const [store] = await freshStores(1)
      const job = (type: string, payload: unknown) => ({ type, payload, moodleChanging: false, maxAttempts: 1 })
      const { ids } = await enqueueJobs(store!, [job('test.a', { v: 1 }), job('test.b', [2]), job('test.c', {}), job('test.a', { v: 3 })], { nowMs: 0 })
      const claimed = await claimNextJob(store!, 'w', { nowMs: 0, leaseMs: 1_000, types: ['test.a'], allowMoodleChanging: true })
      await completeJob(store!, claimed!, { result: {}, nowMs: 1, reporting: true })
      const listed = async () => (await listUnfinishedPayloads(store!, ['test.a', 'test.b'])).sort((x, y) => x.id - y.id)
      assert.deepEqual(await listed(), [
        { id: ids[0], type: 'test.a', payload: { v: 1 } },
        { id: ids[1], type: 'test.b', payload: [2] },
        { id: ids[3], type: 'test.a', payload: { v: 3 } },
      ])
      assert.ok(await settleJob(store!, ids[0]!, { nowMs: 2 }))
      assert.deepEqual((await listed()).map((j) => j.id), [ids[1], ids[3]])
      assert.deepEqual(await listUnfinishedPayloads(store!, []), [])
    })

    it('purges finished jobs older than the retention', async () => {
      const [store] = await freshStores(1)
      const day = 86_400_000
      const job = { type: 'test.old', payload: {}, moodleChanging: false, maxAttempts: 1 }
      const { ids } = await enqueueJobs(store!, [job, job], { nowMs: 0 })
      const claimed = await claimNextJob(store!, 'w', { nowMs: 0, leaseMs: 1_000, types: ['test.old'], allowMoodleChanging: true })
      await completeJob(store!, claimed!, { result: {}, nowMs: day })
      assert.equal(await purgeFinishedJobs(store!, { retentionDays: 30, nowMs: 30 * day }), 0)
      assert.equal(await purgeFinishedJobs(store!, { retentionDays: 30, nowMs: 31 * day + 1 }), 1)
      assert.equal(await findJob(store!, ids[0]!), null)
      assert.equal((await findJob(store!, ids[1]!))?.state, 'queued', 'unfinished jobs stay')
    })
  })
}
