/**
 * BENCH_ONLY=cold (issue #10 point 2): a fresh `moodle-bridge serve` subprocess, /readyz polled
 * until 200, then 2 s × 16 connections on /plugins?displayupdates&displayupdateslog with no
 * warm-up run, next to the warm run of the same process; then the same with a core update and a
 * plugin update awaiting their callbacks (`reporting`, callbacks retried against a closed port).
 * Target: p99 < 50 ms, cold as warm, with pending callbacks as without.
 */
import type { ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { measure, printTable, type Figures } from './measure.ts'

export interface ColdStartContext {
  bin: string
  siteDir: string
  env: Record<string, string>
  key: string
  /** The bare Fastify baseline: the load generator warms itself on it before each cold run. */
  barePort: number
  /** A new, empty state database (URL) per call. */
  newStateDb(name: string): Promise<string>
  freePort(): Promise<number>
  startChild(command: string, args: string[], env: NodeJS.ProcessEnv, url: string): Promise<ChildProcess>
  stopChild(child: ChildProcess | undefined): Promise<void>
}

const PATH = '/plugins?displayupdates&displayupdateslog'
const CONNECTIONS = 16
const COLD_S = 2

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as { port: number }
  await new Promise<void>((done) => server.close(() => done()))
  return port
}

/** Starts `serve`, waits for the API port, then (unless `waitReady` is false) polls /readyz until 200. */
async function startCold(ctx: ColdStartContext, stateUrl: string, extraEnv: Record<string, string> = {}, waitReady = true) {
  const [port, opsPort] = [await ctx.freePort(), await ctx.freePort()]
  const base = `http://127.0.0.1:${port}/local/moopanel/server.php`
  const env = { ...ctx.env, ...extraEnv, MOODLE_BRIDGE_STATE_URL: stateUrl, MOODLE_BRIDGE_OPS_LISTEN: `127.0.0.1:${opsPort}` }
  const started = performance.now()
  // BENCH_COLD_PROF=dir: CPU profiles of the cold processes (to see what a cold start spends its time on).
  const prof = process.env['BENCH_COLD_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_COLD_PROF']}`] : []
  const child = await ctx.startChild(process.execPath, [...prof, ctx.bin, 'serve', '--moodle-dir', ctx.siteDir, '--port', String(port)], env, `${base}/`)
  for (const until = Date.now() + 120_000; waitReady; await sleep(20)) {
    const res = await fetch(`http://127.0.0.1:${opsPort}/readyz`).catch(() => null)
    if (res?.status === 200) break
    if (Date.now() > until) throw new Error(`/readyz not 200 after 120 s: ${res ? await res.text() : 'no answer'}`)
  }
  return { child, readyMs: performance.now() - started, base }
}

/** Inserts a core update and a plugin update in `reporting`, each with its callback queued (retried against a closed port). */
async function insertReportingJobs(stateUrl: string, prefix: string): Promise<void> {
  const db = new pg.Client({ connectionString: stateUrl })
  await db.connect()
  try {
    const now = Date.now()
    const job = async (type: string, state: string, payload: object, moodleChanging: number) => {
      const { rows } = await db.query(
        `INSERT INTO ${prefix}jobs (type, state, payload, attempts, max_attempts, run_after_ms, moodle_changing, created_at_ms, updated_at_ms)
         VALUES ($1, $2, $3, 1, 3, $4, $5, $4, $4) RETURNING id`,
        [type, state, JSON.stringify(payload), now, moodleChanging],
      )
      return Number(rows[0].id)
    }
    const core = await job('core_update', 'reporting', { instanceId: 3, updateId: 77, userId: 4, version: '2024100707', download: 'http://127.0.0.1:1/x.zip' }, 1)
    const plugin = await job('plugins_update', 'reporting', { instanceId: 3, userId: 4, updates: [{ model_id: 1, component: 'block_xp', version: '2025100500' }] }, 1)
    for (const [id, kind] of [[core, 'core_update_finished'], [plugin, 'plugin_updates_finished']] as const) {
      await job('callback.send', 'queued', { kind, instanceId: 3, body: '{}', jobId: id, outcome: 'success', summary: null }, 0)
    }
  } finally {
    await db.end()
  }
}

async function oneRequestMs(url: string, key: string): Promise<number> {
  const t = performance.now()
  const res = await fetch(url, { headers: { 'x-api-key': key } })
  await res.arrayBuffer()
  if (!res.ok) throw new Error(`${url}: ${res.status}`)
  return performance.now() - t
}

export async function runColdStartBench(ctx: ColdStartContext): Promise<void> {
  const headers = { 'x-api-key': ctx.key }
  // Only the service is cold: autocannon itself runs 1 s against bare Fastify right before.
  const warmClient = () => measure('client warm-up', `http://127.0.0.1:${ctx.barePort}/`, {}, { connections: CONNECTIONS, seconds: 1, warmUpS: 0 })
  console.log(`\n== Cold start: fresh serve, /readyz 200, then ${COLD_S} s × ${CONNECTIONS} connections on ${PATH} with no warm-up ==`)
  const rows: Figures[] = []
  const notes: string[] = []
  const target = new Map<string, string>()
  for (const pending of [false, true]) {
    const stateUrl = await ctx.newStateDb(pending ? 'mb_state_cold_pending' : 'mb_state_cold')
    const panelEnv = { MOODLE_BRIDGE_MOOPANEL_URL: `http://127.0.0.1:${await closedPort()}` }
    if (pending) {
      // Migrate the state database once, then queue the jobs before the measured start.
      const first = await startCold(ctx, stateUrl, panelEnv)
      await ctx.stopChild(first.child)
      await insertReportingJobs(stateUrl, ctx.env['MOODLE_BRIDGE_STATE_PREFIX'] ?? 'mb_')
    }
    const label = pending ? ' [2 jobs awaiting callbacks]' : ''
    // For comparison: load as soon as the API port answers, not waiting for /readyz (the warm-up still running).
    const early = await startCold(ctx, stateUrl, panelEnv, false)
    try {
      await warmClient()
      const first = await measure(`cold: as soon as the port answers, before /readyz${label}`, early.base + PATH, headers, { connections: CONNECTIONS, seconds: COLD_S, warmUpS: 0 })
      rows.push(first)
      target.set(first.name, '(comparison)')
    } finally {
      await ctx.stopChild(early.child)
    }
    const { child, readyMs, base } = await startCold(ctx, stateUrl, panelEnv)
    try {
      await warmClient()
      const cold = await measure(`cold: first ${COLD_S} s after ready${label}`, base + PATH, headers, { connections: CONNECTIONS, seconds: COLD_S, warmUpS: 0 })
      const warm = await measure(`warm: same process, 1 s warm-up${label}`, base + PATH, headers, { connections: CONNECTIONS, seconds: COLD_S })
      rows.push({ ...cold, baseline: warm }, warm)
      target.set(cold.name, 'p99 < 50 ms').set(warm.name, 'p99 < 50 ms')
      notes.push(`${pending ? 'with pending callbacks' : 'no pending jobs'}: ready ${readyMs.toFixed(0)} ms after spawn`)
    } finally {
      await ctx.stopChild(child)
    }
    // A single first request right after ready (the issue measured 440 ms before warm-up).
    const again = await startCold(ctx, stateUrl, panelEnv)
    try {
      notes.push(`${pending ? 'with pending callbacks' : 'no pending jobs'}: first single request after ready ${(await oneRequestMs(again.base + PATH, ctx.key)).toFixed(1)} ms`)
    } finally {
      await ctx.stopChild(again.child)
    }
  }
  console.log('("vs bare" here: against the warm run of the same process)')
  printTable(rows, rows[rows.length - 1]!, target)
  for (const n of notes) console.log(n)
}
