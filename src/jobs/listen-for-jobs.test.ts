/**
 * Waking workers on PostgreSQL LISTEN/NOTIFY (issue #8 point 3): an enqueued job wakes an idle
 * listening worker long before its safety poll, the listener reconnects after losing its
 * connection, and an idle listening worker sends well under one statement per second. Real
 * PostgreSQL (MB_TEST_PG_ADMIN_URL), each store on its own pool.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import type { Store } from '../store/index.ts'
import { createJobRegistry, createWorker, defineJob, enqueueJobs, listenForJobs, type JobListener, type Worker } from './index.ts'
import { testDatabases, waitFor, type OpenedDatabase, type StatementCounter } from '../../test/support/queue-databases.ts'

const database = testDatabases('jobwake').find((d) => d.name === 'PostgreSQL')!
const SAFETY_POLL_MS = 10_000

describe('job wake-ups on PostgreSQL', { skip: database.skip }, () => {
  let db: OpenedDatabase
  const stores: Store[] = []
  const workers: Worker[] = []
  const listeners: JobListener[] = []
  let prefixSeq = 0

  async function freshStore(counter?: StatementCounter): Promise<Store> {
    const store = await db.open(`jw${++prefixSeq}_`, counter)
    stores.push(store)
    return store
  }

  function listen(store: Store): JobListener {
    const listener = listenForJobs({ connection: db.pgConnection!, prefix: store.prefix, retry: { minMs: 50, maxMs: 200 } })
    listeners.push(listener)
    return listener
  }

  before(async () => {
    db = await database.setup()
  })
  after(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop({ timeoutMs: 2_000 })))
    for (const listener of listeners) await listener.close()
    for (const store of stores) await store.close()
    await db?.drop()
  })

  const started: { site: string; at: number }[] = []
  const job = defineJob<{ site: string }>({
    name: 'test.woken',
    moodleChanging: false,
    async run({ payload }) {
      started.push({ site: payload.site, at: performance.now() })
      return {}
    },
  })
  const registry = createJobRegistry([job])

  it('starts a job enqueued on an idle listening worker at once, not at its safety poll', { timeout: 60_000 }, async () => {
    const store = await freshStore()
    const listener = listen(store)
    await listener.whenListening()
    const claims: number[] = []
    const worker = createWorker({
      store,
      owner: 'w',
      wakeups: listener,
      safetyPollMs: SAFETY_POLL_MS,
      allSites: {
        open: async () => {
          claims.push(performance.now())
          return { registry }
        },
      },
    })
    workers.push(worker)
    worker.start()
    await sleep(300) // the first claim finds nothing; the worker now waits for its safety poll
    const idleSince = performance.now()
    for (const site of ['school-a', 'school-b']) {
      const enqueuedAt = performance.now()
      await enqueueJobs(store.forSite(site), [job.request({ site })], { nowMs: Date.now() })
      await waitFor(`the job of ${site}`, () => started.some((s) => s.site === site), SAFETY_POLL_MS * 2)
      const startedAt = started.find((s) => s.site === site)!.at
      assert.ok(startedAt < idleSince + SAFETY_POLL_MS, `woken by the notification, not the safety poll (${Math.round(startedAt - enqueuedAt)} ms after enqueueing)`)
    }
  })

  it('a single-site worker wakes too, and the listener comes back after losing its connection', { timeout: 60_000 }, async () => {
    const store = await freshStore()
    const listener = listen(store)
    await listener.whenListening()
    const worker = createWorker({ store, registry, owner: 'single', wakeups: listener, safetyPollMs: SAFETY_POLL_MS })
    workers.push(worker)
    worker.start()
    await sleep(300)
    const idleSince = performance.now()
    await enqueueJobs(store, [job.request({ site: '' })], { nowMs: Date.now() })
    await waitFor('the single-site job', () => started.some((s) => s.site === ''), SAFETY_POLL_MS * 2)
    assert.ok(started.find((s) => s.site === '')!.at < idleSince + SAFETY_POLL_MS, 'woken by the notification')

    // Cut the listening connection from the server side: it reconnects and listens again.
    const admin = new pg.Client(db.pgConnection!)
    await admin.connect()
    const cut = await admin.query(`SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE query LIKE 'LISTEN "${store.prefix}jobs"%' AND pid <> pg_backend_pid()`)
    await admin.end()
    assert.equal(cut.rowCount, 1, 'the listener had one connection')
    await waitFor('the listener to drop', () => !listener.listening, 5_000).catch(() => undefined)
    await listener.whenListening()
    await sleep(300)
    const again = performance.now()
    // A notification for another site neither wakes a single-site worker nor hands it that job; its own does.
    await enqueueJobs(store.forSite('other'), [job.request({ site: 'other' })], { nowMs: Date.now() })
    await enqueueJobs(store, [job.request({ site: '' })], { nowMs: Date.now() })
    await waitFor('the job after the reconnect', () => started.filter((s) => s.site === '').length === 2, SAFETY_POLL_MS * 2)
    assert.ok(started.filter((s) => s.site === '')[1]!.at < again + SAFETY_POLL_MS, 'woken after the reconnect')
    assert.equal(started.some((s) => s.site === 'other'), false)
  })

  it('sends well under one statement per second while idle, whatever the number of sites', { timeout: 60_000 }, async () => {
    const counter: StatementCounter = { count: 0 }
    const store = await freshStore(counter)
    // 20 sites with finished work: their rows exist, nothing is runnable.
    for (let i = 0; i < 20; i++) await enqueueJobs(store.forSite(`site-${i}`), [job.request({ site: `idle-${i}` })], { nowMs: Date.now() })
    const listener = listen(store)
    await listener.whenListening()
    const worker = createWorker({ store, owner: 'idle', wakeups: listener, safetyPollMs: SAFETY_POLL_MS, allSites: { open: async () => ({ registry }) } })
    workers.push(worker)
    worker.start()
    await waitFor('the 20 jobs to finish', async () => (await store.db.selectFrom('store_jobs').select('id').where('state', '=', 'finished').execute()).length === 20)
    await sleep(500)
    const before = counter.count
    const windowMs = 3_000
    await sleep(windowMs)
    const sent = counter.count - before
    assert.ok(sent < windowMs / 1000, `statements while idle: ${sent} in ${windowMs} ms`)

    // The same count of a polling worker, to show the counter counts.
    await worker.stop()
    const polling = createWorker({ store, owner: 'poll', pollMs: 100, allSites: { open: async () => ({ registry }) } })
    workers.push(polling)
    polling.start()
    const pollingBefore = counter.count
    await sleep(1_000)
    assert.ok(counter.count - pollingBefore >= 5, `a polling worker sends statements (${counter.count - pollingBefore} in 1 s)`)
  })
})
