/**
 * The ops listener's read-only jobs pages and job metrics (issue #11 point 4), on a PostgreSQL and
 * a MariaDB store: a real service listening on its ops address, real jobs (a failing one and a
 * finishing one run by a real worker of the job engine; MooPanel backup deletions whose callbacks a
 * stand-in panel accepts or answers 503), the pages driven in headless Chromium (Debian's
 * /usr/bin/chromium through playwright-core), the metrics read over HTTP.
 */
import assert from 'node:assert/strict'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import mysql from 'mysql2/promise'
import type { BrowserContext } from 'playwright-core'
import { launchChromium, skipBrowser } from './support/chromium.ts'
import { createJobRegistry, createWorker, defineJob, enqueueJobs, readJob, type Worker } from '../src/jobs/index.ts'
import { startFixtureService, TEST_KEY, type FixtureService } from './support/start-fixture-service.ts'
import { mysqlOptions } from './support/mysql-url.ts'
import { startStandInPanel, type StandInPanel } from './support/stand-in-panel.ts'
import { testEnv } from './support/test-env.ts'


/** The error of the failing job: markup in it must be shown as text, never run. */
const ERROR = 'disk full on /var/moodledata <script>document.title="pwned"</script> & "more"'

const definitions = [
  defineJob({ name: 'test.fails', moodleChanging: false, maxAttempts: 1, run: async () => { throw new Error(ERROR) } }),
  defineJob({ name: 'test.ok', moodleChanging: false, maxAttempts: 1, run: async ({ journal }) => { await journal.record('counted', { n: 3 }); return { counted: 3 } } }),
]

type StoreDb = { options: Record<string, unknown>; drop: () => Promise<void> }
const engines: { name: string; store: () => Promise<StoreDb> }[] = [
  // startFixtureService gives its store a scratch PostgreSQL database by default.
  { name: 'PostgreSQL', store: async () => ({ options: {}, drop: async () => undefined }) },
]
if (process.env['MB_TEST_MYSQL_URL']) {
  engines.push({
    name: 'MariaDB',
    async store() {
      const admin = process.env['MB_TEST_MYSQL_URL']!
      const name = `mb_ops_jobs_${process.pid}`
      const conn = await mysql.createConnection(mysqlOptions(admin, ''))
      await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
      await conn.end()
      const url = new URL(admin)
      url.pathname = `/${name}`
      return {
        options: { state_url: url.href },
        async drop() {
          const c = await mysql.createConnection(mysqlOptions(admin, ''))
          await c.query(`DROP DATABASE IF EXISTS \`${name}\``)
          await c.end()
        },
      }
    },
  })
}

async function datarootOf(): Promise<string> {
  const config = await readFile(join(testEnv().moodleDirPg, 'config.php'), 'utf8')
  return /\$CFG->dataroot\s*=\s*'([^']+)'/.exec(config)![1]!
}

let panel: StandInPanel
let browser: BrowserContext | undefined
let chrome: Awaited<ReturnType<typeof launchChromium>> | undefined

before(async () => {
  panel = await startStandInPanel({ apiKey: TEST_KEY })
  // Instance 8's callbacks are put off for an hour: its job waits in `reporting`, the callback in `retry_wait`.
  panel.script((r) => (r.instanceId === 8 ? { status: 503, headers: { 'retry-after': '3600' }, body: { message: 'Service Unavailable' } } : undefined))
  await mkdir(join(await datarootOf(), 'moopanel_course_backups', 'auto'), { recursive: true })
  if (skipBrowser) return
  chrome = await launchChromium()
  browser = chrome.browser
})

after(async () => {
  await chrome?.close()
  await panel?.stop()
})

for (const engine of engines) {
  describe(`ops jobs page (${engine.name} store)`, () => {
    let db: StoreDb
    let s: FixtureService
    let worker: Worker
    let ops: string
    const ids: Record<'fails' | 'ok' | 'accepted' | 'retrying', number> = { fails: 0, ok: 0, accepted: 0, retrying: 0 }
    const tag = `${process.pid}_${engine.name}`
    const link = (n: number) => `auto/course_${n}__2026_11_01_09_15_07__${tag}.zip`

    const waitFor = async (id: number, check: (job: NonNullable<Awaited<ReturnType<typeof readJob>>>) => boolean, what: string) => {
      for (let i = 0; i < 400; i++) {
        const job = await readJob(s.service.store, id)
        if (job && check(job)) return job
        await sleep(50)
      }
      assert.fail(`job ${id} did not reach ${what}`)
    }

    /** DELETE /backups for one (absent, so deleted at once) file; returns the job id. */
    const deleteBackup = async (instanceId: number, n: number) => {
      const body = { instance_id: instanceId, user_id: null, storages: [{ storage_key: 'local', storage_id: 4, credentials: [] }], backups: { '1': { backup_result_id: 90 + n, storage_id: 4, link: link(n) } } }
      const res = await s.api('/backups', { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: body }) })
      assert.equal(res.status, 200, res.body)
      return res.json.backups[0].moodle_job_id as number
    }

    before(async () => {
      db = await engine.store()
      s = await startFixtureService('pgsql', { moopanel_url: panel.url, ops_listen: '127.0.0.1:0', ...db.options })
      ops = (await s.service.listenOps())!
      worker = createWorker({ store: s.service.store, registry: createJobRegistry(definitions), owner: 'ops-page-test', pollMs: 20, leaseMs: 10_000 })
      worker.start()
      const now = Date.now()
      ids.fails = (await enqueueJobs(s.service.store, [definitions[0]!.request({})], { nowMs: now })).ids[0]!
      ids.ok = (await enqueueJobs(s.service.store, [definitions[1]!.request({})], { nowMs: now })).ids[0]!
      ids.accepted = await deleteBackup(7, 1)
      ids.retrying = await deleteBackup(8, 2)
      await waitFor(ids.fails, (j) => j.state === 'finished', 'finished')
      await waitFor(ids.ok, (j) => j.state === 'finished', 'finished')
      await waitFor(ids.accepted, (j) => j.state === 'finished' && j.outcome === 'success', 'finished after its callback')
      await waitFor(ids.retrying, (j) => j.state === 'reporting', 'reporting')
      for (let i = 0; i < 400 && !panel.requests.some((r) => r.instanceId === 8 && r.status === 503 && r.body.includes(`"backup_result_id":92`)); i++) await sleep(50)
      await sleep(300) // the 503 is recorded as the callback job's retry once the attempt ends
    })

    after(async () => {
      await worker?.stop({ timeoutMs: 2000 })
      await s?.close()
      await db?.drop()
    })

    it('serves HTML with a strict CSP, read-only, with clean 400/404/405 answers', async () => {
      const res = await fetch(`${ops}/jobs`)
      assert.equal(res.status, 200)
      assert.match(res.headers.get('content-type')!, /^text\/html; charset=utf-8/)
      assert.match(res.headers.get('content-security-policy')!, /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; form-action 'self'/)
      assert.equal(res.headers.get('x-frame-options'), 'DENY')
      const body = await res.text()
      assert.ok(!/<script/i.test(body) && !/src=|<link/i.test(body), 'no script, no external asset')
      assert.ok(body.includes(ERROR.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')), 'the error is HTML-escaped')
      assert.equal((await fetch(`${ops}/jobs`, { method: 'HEAD' })).status, 200)

      const post = await fetch(`${ops}/jobs/${ids.fails}`, { method: 'POST', body: '' })
      assert.equal(post.status, 405)
      assert.equal(post.headers.get('allow'), 'GET, HEAD')
      for (const path of ['/jobs/abc', '/jobs/0', '/jobs/99999999999', `/jobs/${'9'.repeat(300)}`, '/jobs/2147483647', '/jobs/1/extra']) {
        const missing = await fetch(ops + path)
        assert.equal(missing.status, 404, path)
        assert.match(missing.headers.get('content-type')!, /^text\/html/, path)
        assert.equal(missing.headers.get('x-frame-options'), 'DENY', path)
      }
      const json = await fetch(`${ops}/jobs/2147483647`, { headers: { accept: 'application/json' } })
      assert.equal(json.status, 404)
      assert.deepEqual(await json.json(), { error: 'Job 2147483647 does not exist (or was purged after job_retention_days).' })
      for (const query of ['state=exploded', 'limit=0', 'limit=abc', 'type=%3Cb%3E', 'limit=1&limit=2']) {
        const bad = await fetch(`${ops}/jobs?${query}`)
        assert.equal(bad.status, 400, query)
        assert.ok(!(await bad.text()).includes('<b>'), query)
      }
    })

    it('never shows a payload', async () => {
      for (const id of [ids.accepted, ids.retrying]) {
        const body = await (await fetch(`${ops}/jobs/${id}`)).text()
        assert.ok(!body.includes(tag) && !body.includes('backup_result_id'), `job ${id}: no payload value`)
      }
      assert.ok(!(await (await fetch(`${ops}/jobs`)).text()).includes(tag))
    })

    it('lists the jobs gauge and the callback delivery outcomes in /metrics', async () => {
      const text = await (await fetch(`${ops}/metrics`)).text()
      assert.match(text, /# TYPE moodle_bridge_jobs gauge/)
      assert.match(text, /moodle_bridge_jobs\{type="test\.fails",state="finished"\} 1\n/)
      assert.match(text, /moodle_bridge_jobs\{type="test\.fails",state="queued"\} 0\n/)
      assert.match(text, /moodle_bridge_jobs\{type="backup_course_delete",state="finished"\} 1\n/)
      assert.match(text, /moodle_bridge_jobs\{type="backup_course_delete",state="reporting"\} 1\n/)
      assert.match(text, /# TYPE moodle_bridge_callback_deliveries gauge/)
      assert.match(text, /moodle_bridge_callback_deliveries\{outcome="accepted"\} 1\n/)
      assert.match(text, /moodle_bridge_callback_deliveries\{outcome="retrying"\} 1\n/)
      assert.match(text, /moodle_bridge_callback_deliveries\{outcome="rejected"\} 0\n/)
    })

    it('shows the failed job and its error in a real browser, filters, and opens the detail page from the row', { skip: skipBrowser }, async () => {
      const page = await browser!.newPage()
      const problems: string[] = []
      page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())))
      page.on('pageerror', (e) => void problems.push(e.message))
      try {
        await page.goto(`${ops}/jobs`)
        assert.equal(await page.title(), 'Jobs · moodle-bridge')
        const ids_ = await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-job-id'))))
        assert.ok(ids_.length >= 4)
        assert.deepEqual(ids_, [...ids_].sort((a, b) => b - a), 'newest first')
        const failed = page.locator(`tr[data-job-id="${ids.fails}"]`)
        assert.equal(await failed.locator('td').nth(1).innerText(), 'test.fails')
        assert.equal(await failed.locator('td').nth(2).innerText(), 'finished (failure)')
        assert.equal(await failed.locator('td').nth(6).innerText(), ERROR, 'the error is shown as text')
        assert.equal(await page.locator('body script').count(), 0, 'markup in an error never becomes an element')
        // The style sheet applies (its hash matches the CSP): failed rows are tinted.
        assert.equal(await failed.locator('td').first().evaluate((td) => getComputedStyle(td).backgroundColor), 'rgb(255, 241, 240)')
        const accepted = page.locator(`tr[data-job-id="${ids.accepted}"]`)
        assert.equal(await accepted.locator('td').nth(2).innerText(), 'finished (success)')
        assert.equal(await accepted.locator('td').nth(7).innerText(), 'accepted')
        assert.match(await page.locator(`tr[data-job-id="${ids.retrying}"] td`).nth(7).innerText(), /^retrying \(1 attempt failed, next \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)$/)

        // The filter form: by type, then by state.
        await page.selectOption('select[name="type"]', 'test.fails')
        await Promise.all([page.waitForURL(/type=test\.fails/), page.click('button[type="submit"]')])
        assert.deepEqual(await page.locator('tbody tr td:nth-child(2)').allInnerTexts(), ['test.fails'])
        await page.selectOption('select[name="type"]', '')
        await page.selectOption('select[name="state"]', 'reporting')
        await Promise.all([page.waitForURL(/state=reporting/), page.click('button[type="submit"]')])
        assert.deepEqual(await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-job-id')))), [ids.retrying])
        await page.goto(`${ops}/jobs?type=test.fails`)

        // The row's link opens the detail page.
        await Promise.all([page.waitForURL(new RegExp(`/jobs/${ids.fails}$`)), page.click(`tr[data-job-id="${ids.fails}"] a`)])
        assert.equal(await page.locator('h1').innerText(), `Job ${ids.fails} · test.fails`)
        const facts = await page.locator('table.kv tr').allInnerTexts()
        assert.ok(facts.some((f) => f === `Last error\t${ERROR}`), facts.join(' | '))
        assert.ok(facts.some((f) => f === 'Attempts\t1 of 1'), facts.join(' | '))

        // A job waiting on its callback: the delivery, its status and next retry.
        await page.goto(`${ops}/jobs/${ids.retrying}`)
        assert.match(await page.locator('table.kv').innerText(), /State\treporting \(success\)/)
        const delivery = page.locator('table.callbacks tbody tr')
        assert.equal(await delivery.count(), 1)
        assert.match(await delivery.locator('td').nth(1).innerText(), /^retrying/)
        assert.match(await delivery.locator('td').nth(3).innerText(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
        assert.match(await delivery.locator('td').nth(4).innerText(), /callback not delivered: HTTP 503/)
        await page.goto(`${ops}/jobs/${ids.ok}`)
        assert.deepEqual(await page.locator('ol.steps li').allInnerTexts(), ['counted'])
        await page.goto(`${ops}/jobs/${ids.accepted}`)
        assert.equal(await page.locator('table.callbacks tbody tr td').nth(1).innerText(), 'accepted')
        assert.deepEqual(problems, [], 'no CSP violation or script error')
      } finally {
        await page.close()
      }
    })
  })
}
