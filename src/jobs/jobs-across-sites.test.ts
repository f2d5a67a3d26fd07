/**
 * Many sites in one store (issue #8 point 3): every function reads its view's site, and workers
 * across sites claim exactly once, fairly, under a per-site cap and per-site locks. On PGlite
 * (site scoping only: one connection), PostgreSQL and MariaDB, each store on its own pool.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Store } from '../store/index.ts'
import {
  countJobs,
  countUnfinishedJobs,
  createJobRegistry,
  createWorker,
  defineJob,
  enqueueJobs,
  findJob,
  findReplay,
  listJobs,
  listUnfinishedPayloads,
  purgeFinishedJobs,
  readJob,
  recordedJobIds,
  requestJobCancel,
  retryJobNow,
  settleJob,
  type JobDefinition,
  type Worker,
  type WorkerOptions,
} from './index.ts'
import { testDatabases, waitFor, type OpenedDatabase } from '../../test/support/queue-databases.ts'

for (const database of testDatabases('jobsites')) {
  describe(`jobs across sites on ${database.name}`, { skip: database.skip }, () => {
    let db: OpenedDatabase
    const stores: Store[] = []
    const workers: Worker[] = []
    let prefixSeq = 0

    /** `count` stores (each on its own pool) on a fresh table prefix. */
    async function freshStores(count: number): Promise<Store[]> {
      const prefix = `js${++prefixSeq}_`
      const opened: Store[] = []
      for (let i = 0; i < count; i++) opened.push(await db.open(prefix))
      stores.push(...opened)
      return opened
    }

    /** A worker across sites whose every site runs `definitions`. */
    function startWorker(store: Store, definitions: JobDefinition<any>[], options: Partial<WorkerOptions> & { owner: string; perSite?: number }): Worker {
      const registry = createJobRegistry(definitions)
      const worker = createWorker({
        store,
        pollMs: 5,
        leaseMs: 10_000,
        allSites: { open: async () => ({ registry }), ...(options.perSite === undefined ? {} : { perSiteConcurrency: options.perSite }) },
        ...options,
      })
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

    it('keeps each site to its own jobs: ids, idempotency keys, lists, counts and operator actions', async () => {
      const [root] = await freshStores(1)
      const [a, b] = [root!.forSite('school-a'), root!.forSite('school-b')]
      const plain = defineJob({ name: 'test.plain', moodleChanging: false, run: async () => ({}) })
      const nowMs = Date.now()
      const response = (ids: number[]) => JSON.stringify({ ids })
      const inA = await enqueueJobs(a, [plain.request({ n: 1 })], { nowMs, idempotencyKey: 'same-key', response })
      const inB = await enqueueJobs(b, [plain.request({ n: 2 })], { nowMs, idempotencyKey: 'same-key', response })
      assert.equal(inA.replayed, false)
      assert.equal(inB.replayed, false, 'the same key from another site is a new request')
      const [idA, idB] = [inA.ids[0]!, inB.ids[0]!]
      assert.notEqual(idA, idB, 'job ids are global')
      const again = await enqueueJobs(a, [plain.request({ n: 1 })], { nowMs, idempotencyKey: 'same-key', response })
      assert.deepEqual({ ids: again.ids, replayed: again.replayed, response: again.response }, { ids: [idA], replayed: true, response: JSON.stringify({ ids: [idA] }) })
      assert.deepEqual((await findReplay(b, 'same-key', { nowMs }))?.ids, [idB])
      assert.deepEqual(await recordedJobIds(a, 'same-key'), [idA])
      assert.equal(await findReplay(root!, 'same-key', { nowMs }), null, "the single-site view has no such key")

      assert.equal((await findJob(a, idA))?.id, idA)
      assert.equal(await findJob(a, idB), null, "another site's job is not found")
      assert.equal(await readJob(b, idA), null)
      assert.deepEqual((await listJobs(a)).map((j) => j.id), [idA])
      assert.deepEqual((await listJobs(root!)).map((j) => j.id), [], "site '' sees neither")
      assert.equal(await countUnfinishedJobs(a), 1)
      assert.deepEqual((await countJobs(b)).map((c) => c.count), [1])
      assert.deepEqual((await listUnfinishedPayloads(a, ['test.plain'])).map((p) => p.id), [idA])
      assert.deepEqual(await retryJobNow(b, idA, nowMs), { ok: false, reason: `job ${idA} does not exist (or was purged after job_retention_days)` })
      assert.equal((await requestJobCancel(b, idA, nowMs)).ok, false)
      assert.equal(await settleJob(b, idA, { nowMs }), false)
      assert.equal((await requestJobCancel(a, idA, nowMs)).ok, true, 'its own site may act on it')

      // Purge: a site's finished jobs by its own retention.
      await root!.db.updateTable('store_jobs').set({ state: 'finished', finished_at_ms: 1 }).execute()
      assert.equal(await purgeFinishedJobs(a, { retentionDays: 1, nowMs }), 1)
      assert.equal((await findJob(b, idB))?.id, idB, "another site's finished job stays")
      assert.equal(await purgeFinishedJobs(root!, { retentionDays: 1, nowMs, allSites: true }), 1, 'allSites: every site')
      assert.equal(await findJob(b, idB), null)
    })

    it('runs each of 1000 jobs of 20 sites exactly once with two workers on two pools', { skip: !database.pools, timeout: 240_000 }, async () => {
      const [s1, s2] = await freshStores(2)
      const runs = new Map<number, number>()
      const siteOf = new Map<number, string>()
      const count = defineJob<{ site: string }>({
        name: 'test.count',
        moodleChanging: false,
        async run({ job, payload }) {
          runs.set(job.id, (runs.get(job.id) ?? 0) + 1)
          siteOf.set(job.id, payload.site)
          return {}
        },
      })
      const sites = Array.from({ length: 20 }, (_, i) => `site-${i}`)
      const expected = new Map<number, string>()
      for (const site of sites) {
        const { ids } = await enqueueJobs(s1!.forSite(site), Array.from({ length: 50 }, () => count.request({ site })), { nowMs: Date.now() })
        for (const id of ids) expected.set(id, site)
      }
      assert.equal(expected.size, 1000)
      startWorker(s1!, [count], { owner: 'w1', concurrency: 4 })
      startWorker(s2!, [count], { owner: 'w2', concurrency: 4 })
      await waitFor('1000 jobs finished', async () => (await s1!.db.selectFrom('store_jobs').select('id').where('state', '=', 'finished').execute()).length === 1000, 200_000)
      await stopWorkers()
      assert.equal(runs.size, 1000)
      assert.deepEqual([...runs.values()].filter((n) => n !== 1), [], 'no job ran twice')
      for (const [id, site] of expected) assert.equal(siteOf.get(id), site, `job ${id} ran for its own site`)
    })

    it("starts another site's single job before more than one job per slot of a busy site ends", { skip: !database.pools, timeout: 120_000 }, async () => {
      const [s1, s2] = await freshStores(2)
      const RUN_MS = 100
      const events: { kind: 'start' | 'end'; site: string; at: number }[] = []
      const work = defineJob<{ site: string }>({
        name: 'test.work',
        moodleChanging: false,
        async run({ payload }) {
          events.push({ kind: 'start', site: payload.site, at: performance.now() })
          await sleep(RUN_MS)
          events.push({ kind: 'end', site: payload.site, at: performance.now() })
          return {}
        },
      })
      await enqueueJobs(s1!.forSite('busy'), Array.from({ length: 500 }, () => work.request({ site: 'busy' })), { nowMs: Date.now() })
      const slots = 2 * 2
      startWorker(s1!, [work], { owner: 'w1', concurrency: 2 })
      startWorker(s2!, [work], { owner: 'w2', concurrency: 2 })
      // Every slot busy with the busy site's jobs, then the other site's single job arrives.
      await waitFor('the busy site saturating the slots', () => events.filter((e) => e.kind === 'end').length >= slots * 2)
      // The job arrives when its insert commits (enqueueJobs resolves): busy jobs claimed while the
      // insert was still under way could not have seen it (on MariaDB the commit takes long enough
      // for a slot or two to free meanwhile).
      await enqueueJobs(s1!.forSite('quiet'), [work.request({ site: 'quiet' })], { nowMs: Date.now() })
      const enqueuedAt = performance.now()
      await waitFor("the quiet site's job", () => events.some((e) => e.site === 'quiet' && e.kind === 'start'))
      await stopWorkers()
      const quietStart = events.find((e) => e.site === 'quiet')!.at
      const between = events.filter((e) => e.site === 'busy' && e.at > enqueuedAt && e.at < quietStart)
      const endedBetween = between.filter((e) => e.kind === 'end').length
      const startedBetween = between.filter((e) => e.kind === 'start').length
      assert.ok(endedBetween <= slots, `at most one busy job per slot ended before the quiet one started (${endedBetween} for ${slots} slots)`)
      // A claim already under way when the job arrived may still take a busy job: at most one per worker.
      assert.ok(startedBetween <= 2, `busy jobs started meanwhile: ${startedBetween}`)
    })

    it('caps the running jobs of a site across workers and runs other sites meanwhile', { skip: !database.pools, timeout: 120_000 }, async () => {
      const [s1, s2] = await freshStores(2)
      const running = new Map<string, number>()
      const maxRunning = new Map<string, number>()
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      const held = defineJob<{ site: string }>({
        name: 'test.held',
        moodleChanging: false,
        async run({ payload }) {
          const now = (running.get(payload.site) ?? 0) + 1
          running.set(payload.site, now)
          maxRunning.set(payload.site, Math.max(maxRunning.get(payload.site) ?? 0, now))
          await released
          running.set(payload.site, running.get(payload.site)! - 1)
          return {}
        },
      })
      for (const site of ['a', 'b']) await enqueueJobs(s1!.forSite(site), Array.from({ length: 12 }, () => held.request({ site })), { nowMs: Date.now() })
      startWorker(s1!, [held], { owner: 'w1', concurrency: 4, perSite: 2 })
      startWorker(s2!, [held], { owner: 'w2', concurrency: 4, perSite: 2 })
      await waitFor('both sites at their cap', () => running.get('a') === 2 && running.get('b') === 2)
      await sleep(500) // time for any claim that would pass the cap
      assert.deepEqual([running.get('a'), running.get('b')], [2, 2], 'two jobs per site, though four slots are free')
      release()
      await waitFor('all finished', async () => (await s1!.db.selectFrom('store_jobs').select('id').where('state', '=', 'finished').execute()).length === 24)
      await stopWorkers()
      assert.deepEqual([maxRunning.get('a'), maxRunning.get('b')], [2, 2])
    })

    it("keeps a site lock per site: one site's Moodle-changing job does not hold another's", { timeout: 60_000 }, async () => {
      const [root] = await freshStores(1)
      const started: string[] = []
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      const upgrade = defineJob<{ site: string; n: number }>({
        name: 'test.upgrade',
        moodleChanging: true,
        async run({ payload }) {
          started.push(`${payload.site}${payload.n}`)
          await released
          return {}
        },
      })
      for (const site of ['a', 'b']) {
        await enqueueJobs(root!.forSite(site), [upgrade.request({ site, n: 1 }), upgrade.request({ site, n: 2 })], { nowMs: Date.now() })
      }
      startWorker(root!, [upgrade], { owner: 'w', concurrency: 4 })
      await waitFor('one Moodle-changing job per site', () => started.length === 2)
      await sleep(300)
      assert.deepEqual(started.sort(), ['a1', 'b1'], 'each site runs its first one; the second of each waits for its own site')
      const locks = await root!.db.selectFrom('store_locks').select(['name', 'owner']).orderBy('name').execute()
      assert.deepEqual(locks.map((l) => [l.name, l.owner !== null]), [['@a', true], ['@b', true], ['site', false]])
      release()
      await waitFor('all four ran', () => started.length === 4)
      await stopWorkers()
    })

    it('skips a site that cannot be opened and keeps running the others', { timeout: 60_000 }, async () => {
      const [root] = await freshStores(1)
      const ran: string[] = []
      const job = defineJob<{ site: string }>({ name: 'test.job', moodleChanging: false, run: async ({ payload }) => (ran.push(payload.site), {}) })
      const registry = createJobRegistry([job])
      for (const site of ['broken', 'fine']) await enqueueJobs(root!.forSite(site), [job.request({ site })], { nowMs: Date.now() })
      const opened: string[] = []
      const worker = createWorker({
        store: root!,
        owner: 'w',
        pollMs: 5,
        allSites: {
          async run(site, work) {
            opened.push(site)
            if (site === 'broken') throw new Error('database down')
            await work({ registry })
          },
        },
      })
      workers.push(worker)
      worker.start()
      await waitFor('the fine site ran', () => ran.includes('fine'))
      await sleep(300)
      await stopWorkers()
      assert.deepEqual(ran, ['fine'])
      assert.ok(opened.filter((s) => s === 'broken').length <= 2, 'the broken site is tried again only after a back-off')
      assert.equal((await findJob(root!.forSite('broken'), (await listJobs(root!.forSite('broken')))[0]!.id))?.state, 'queued')
    })
  })
}
