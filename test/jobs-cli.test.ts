/**
 * `bin/moodle-bridge jobs list|show|retry|cancel|watch` (issue #11 point 4) as subprocesses against
 * the service's store on PostgreSQL and MariaDB (`--state-url`), with real jobs run by a real
 * worker of the job engine: one that fails, one that waits to retry after a completed step, one
 * queued for later; retry and cancel where safe, and refusals with the reason where not.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import mysql from 'mysql2/promise'
import { createDialect, parseDatabaseUrl } from '../src/moodle/index.ts'
import { openStore, type Store } from '../src/store/index.ts'
import { createJobRegistry, createWorker, defineJob, enqueueJobs, readJob, RetryableError, type Worker } from '../src/jobs/index.ts'
import { createScratchPgDatabase } from './support/start-fixture-service.ts'
import { mysqlOptions } from './support/mysql-url.ts'

const BIN = resolve(import.meta.dirname, '..', 'bin', 'moodle-bridge')

function cli(args: string[], stateUrl: string, onStdout?: (text: string) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, 'jobs', ...args, '--state-url', stateUrl], { env: { ...process.env, MOODLE_BRIDGE_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
      onStdout?.(stdout)
    })
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => res({ code, stdout, stderr }))
  })
}

const definitions = [
  defineJob({ name: 'test.fails', moodleChanging: false, maxAttempts: 1, run: async () => { throw new Error('disk full on /var/moodledata') } }),
  defineJob({
    name: 'test.retries',
    moodleChanging: true,
    maxAttempts: 3,
    run: async ({ journal }) => {
      if (!journal.get('downloaded')) await journal.record('downloaded', { bytes: 12 })
      throw new RetryableError('Cannot download zip file: HTTP 503.', 3_600_000)
    },
  }),
  defineJob({ name: 'test.later', moodleChanging: true, maxAttempts: 3, run: async () => ({ ran: true }) }),
]

type Engine = { name: string; url: () => Promise<{ url: string; drop: () => Promise<void> }> }
const engines: Engine[] = [{ name: 'PostgreSQL', url: () => createScratchPgDatabase(`mb_jobs_cli_${process.pid}`) }]
if (process.env['MB_TEST_MYSQL_URL']) {
  engines.push({
    name: 'MariaDB',
    async url() {
      const admin = process.env['MB_TEST_MYSQL_URL']!
      const name = `mb_jobs_cli_${process.pid}`
      const conn = await mysql.createConnection(mysqlOptions(admin, ''))
      await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
      await conn.end()
      const url = new URL(admin)
      url.pathname = `/${name}`
      return {
        url: url.href,
        async drop() {
          const c = await mysql.createConnection(mysqlOptions(admin, ''))
          await c.query(`DROP DATABASE IF EXISTS \`${name}\``)
          await c.end()
        },
      }
    },
  })
}

for (const engine of engines) {
  describe(`jobs CLI (${engine.name} store)`, () => {
    let db: { url: string; drop: () => Promise<void> }
    let store: Store
    let worker: Worker
    const ids: Record<string, number> = {}

    const waitFor = async (id: number, check: (state: string, summary: string | null) => boolean) => {
      for (let i = 0; i < 200; i++) {
        const job = await readJob(store, id)
        if (job && check(job.state, job.summary)) return job
        await sleep(50)
      }
      assert.fail(`job ${id} did not reach the expected state`)
    }

    before(async () => {
      db = await engine.url()
      const target = parseDatabaseUrl(db.url, 4)
      store = await openStore({ dialect: createDialect(target), family: target.driver === 'mysql' ? 'mysql' : 'postgres', prefix: 'mb_', ownsConnection: true })
      const now = Date.now()
      for (const [key, type, runAfterMs] of [['fails', 'test.fails', now], ['retries', 'test.retries', now], ['later', 'test.later', now + 3_600_000]] as const) {
        const definition = definitions.find((d) => d.name === type)!
        ids[key] = (await enqueueJobs(store, [definition.request({}, { runAfterMs })], { nowMs: now })).ids[0]!
      }
      worker = createWorker({ store, registry: createJobRegistry(definitions), owner: 'cli-test', pollMs: 20, leaseMs: 10_000 })
      worker.start()
      await waitFor(ids['fails']!, (state) => state === 'finished')
      await waitFor(ids['retries']!, (state) => state === 'retry_wait')
    })

    after(async () => {
      await worker?.stop({ timeoutMs: 2000 })
      await store?.close()
      await db?.drop()
    })

    it('lists the newest jobs first, filtered by state and type, as a table or JSON lines', async () => {
      const all = await cli(['list', '--json'], db.url)
      assert.equal(all.code, 0, all.stderr)
      const jobs = all.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; type: string; state: string; summary: string | null; payload?: unknown })
      assert.deepEqual(jobs.map((j) => j.id), [ids['later'], ids['retries'], ids['fails']])
      assert.ok(jobs.every((j) => j.payload === undefined), 'payloads (which may hold secrets) are never shown')
      const finished = await cli(['list', '--state', 'finished', '--json'], db.url)
      assert.deepEqual(finished.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id), [ids['fails']])
      const byType = await cli(['list', '--type', 'test.later,test.retries'], db.url)
      assert.match(byType.stdout, /^ID\s+TYPE\s+STATE/)
      assert.equal(byType.stdout.trim().split('\n').length, 3)
      assert.match(byType.stdout, /test\.retries\s+retry_wait\s+1\/3/)
      const bad = await cli(['list', '--state', 'exploded'], db.url)
      assert.equal(bad.code, 2)
      assert.match(bad.stderr, /--state takes queued, running, retry_wait, reporting, finished/)
    })

    it('shows a failed job with its error, and a retrying one with its steps and next try', async () => {
      const failed = await cli(['show', String(ids['fails'])], db.url)
      assert.equal(failed.code, 0, failed.stderr)
      assert.match(failed.stdout, /state\s+finished \(failure\)/)
      assert.match(failed.stdout, /summary\s+disk full on \/var\/moodledata/)
      const retrying = await cli(['show', String(ids['retries'])], db.url)
      assert.match(retrying.stdout, /state\s+retry_wait/)
      assert.match(retrying.stdout, /steps\s+downloaded/)
      assert.match(retrying.stdout, /next run\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/)
      assert.match(retrying.stdout, /Cannot download zip file: HTTP 503\./)
      const missing = await cli(['show', '999999'], db.url)
      assert.equal(missing.code, 3)
      assert.match(missing.stderr, /job 999999 does not exist/)
      assert.equal((await cli(['show', 'abc'], db.url)).code, 2)
    })

    it('refuses to cancel a job with completed steps or a finished one, saying why', async () => {
      const midway = await cli(['cancel', String(ids['retries'])], db.url)
      assert.equal(midway.code, 1)
      assert.match(midway.stderr, /has completed steps \(downloaded\): cancelling could leave Moodle half-changed/)
      const done = await cli(['cancel', String(ids['fails'])], db.url)
      assert.equal(done.code, 1)
      assert.match(done.stderr, /has finished \(failure: disk full/)
      const again = await cli(['retry', String(ids['fails'])], db.url)
      assert.equal(again.code, 1)
      assert.match(again.stderr, /send the request again from MooPanel/)
    })

    it('retries a waiting job now', async () => {
      const before = (await readJob(store, ids['retries']!))!
      assert.ok(before.runAfterMs > Date.now() + 60_000)
      const res = await cli(['retry', String(ids['retries'])], db.url)
      assert.equal(res.code, 0, res.stderr)
      assert.match(res.stdout, /runs again as soon as a worker is free/)
      const ran = await waitFor(ids['retries']!, (state) => state === 'retry_wait')
      assert.equal(ran.attempts, 2)
    })

    it('cancels a queued job, which a worker then ends as failed through its failure path; watch follows it', async () => {
      let watching!: () => void
      const firstLine = new Promise<void>((res) => (watching = res))
      const watch = cli(['watch', String(ids['later']), '--interval', '100'], db.url, (out) => out.includes('\n') && watching())
      await firstLine
      const res = await cli(['cancel', String(ids['later'])], db.url)
      assert.equal(res.code, 0, res.stderr)
      const ended = await waitFor(ids['later']!, (state) => state === 'finished')
      assert.equal(ended.outcome, 'failure')
      assert.equal(ended.summary, 'Cancelled by the operator.')
      const watched = await watch
      assert.equal(watched.code, 1, watched.stderr)
      const lines = watched.stdout.trim().split('\n')
      assert.match(lines[0]!, /^job \d+ test\.later: queued · attempt 0\/3/)
      assert.match(lines.at(-1)!, /finished · attempt 1\/3 · step operator\.cancel · failure · Cancelled by the operator\./)
      const twice = await cli(['cancel', String(ids['later'])], db.url)
      assert.equal(twice.code, 1)
    })
  })
}
