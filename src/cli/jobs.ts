import { setTimeout as sleep } from 'node:timers/promises'
import { isJobState, listJobs, readJob, requestJobCancel, retryJobNow, type JobDetail, type OperatorOutcome } from '../jobs/index.ts'
import { callbackJobsOf } from '../moopanel/index.ts'
import type { Store } from '../store/index.ts'
import { fail, UsageError, type CommonFlags } from './common.ts'
import { withStore } from './open-store.ts'

type ListFlags = CommonFlags & { state?: string; type?: string; limit?: string; json?: boolean }

/** `jobs list`: the newest jobs first, as a table or JSON lines. */
export async function jobsListCommand(flags: ListFlags): Promise<void> {
  try {
    const states = splitList(flags.state)
    const bad = states.filter((s) => !isJobState(s))
    if (bad.length > 0) throw new UsageError(`--state takes queued, running, retry_wait, reporting, finished (not ${bad.join(', ')})`)
    const limit = flags.limit === undefined ? 50 : Number(flags.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit takes a number from 1 to 1000')
    const jobs = await withStore(flags, (store) => listJobs(store, { states: states.filter(isJobState), types: splitList(flags.type), limit }))
    if (flags.json) {
      for (const job of jobs) process.stdout.write(`${JSON.stringify(job)}\n`)
      return
    }
    if (jobs.length === 0) return void process.stdout.write('no jobs\n')
    const rows = jobs.map((j) => [String(j.id), j.type, j.state, j.outcome ?? '', `${j.attempts}/${j.maxAttempts}`, utc(j.createdAtMs), duration(j), cut(j.summary ?? '', 70)])
    process.stdout.write(table(['ID', 'TYPE', 'STATE', 'OUTCOME', 'ATTEMPTS', 'CREATED (UTC)', 'TOOK', 'SUMMARY'], rows))
  } catch (error) {
    fail(error)
  }
}

/** `jobs show ID`: the job, the steps of its journal and its callback deliveries. */
export async function jobsShowCommand(id: string, flags: CommonFlags & { json?: boolean }): Promise<void> {
  try {
    const jobId = parseId(id)
    const shown = await withStore(flags, async (store) => {
      const job = await readJob(store, jobId)
      return job ? { job, callbacks: await callbackJobsOf(store, jobId) } : null
    })
    if (!shown) {
      process.stderr.write(`moodle-bridge: job ${jobId} does not exist (or was purged after job_retention_days)\n`)
      process.exit(3)
    }
    if (flags.json) return void process.stdout.write(`${JSON.stringify(shown)}\n`)
    process.stdout.write(describe(shown.job, shown.callbacks))
  } catch (error) {
    fail(error)
  }
}

/** `jobs retry ID` / `jobs cancel ID`: exit 0 when done, 1 with the reason when refused. */
export async function jobsActionCommand(action: 'retry' | 'cancel', id: string, flags: CommonFlags): Promise<void> {
  try {
    const jobId = parseId(id)
    const outcome: OperatorOutcome = await withStore(flags, (store) =>
      action === 'retry' ? retryJobNow(store, jobId, Date.now()) : requestJobCancel(store, jobId, Date.now()),
    )
    if (!outcome.ok) {
      process.stderr.write(`moodle-bridge: ${action} refused: ${outcome.reason}\n`)
      process.exit(1)
    }
    process.stdout.write(
      action === 'retry'
        ? `job ${jobId} (${outcome.job.type}) runs again as soon as a worker is free\n`
        : `job ${jobId} (${outcome.job.type}) is cancelled: the next worker ends it as failed ("Cancelled by the operator."), with its failure callback\n`,
    )
  } catch (error) {
    fail(error)
  }
}

/**
 * `jobs watch ID`: follows the job until its work is done (reporting or finished). On a terminal one
 * line is rewritten in place; otherwise a line is printed per change. Exit 0 on success, 1 on
 * failure, 3 when the job does not exist.
 */
export async function jobsWatchCommand(id: string, flags: CommonFlags & { interval?: string }): Promise<void> {
  try {
    const jobId = parseId(id)
    const intervalMs = flags.interval === undefined ? 500 : Number(flags.interval)
    if (!Number.isFinite(intervalMs) || intervalMs < 50) throw new UsageError('--interval takes milliseconds, at least 50')
    const tty = process.stdout.isTTY === true
    const final = await withStore(flags, async (store: Store) => {
      let last = ''
      for (;;) {
        const job = await readJob(store, jobId)
        if (!job) return null
        const line = progressLine(job)
        if (tty) process.stdout.write(`\r\x1b[K${line}`)
        else if (line !== last) process.stdout.write(`${line}\n`)
        last = line
        if (job.state === 'reporting' || job.state === 'finished') return job
        await sleep(intervalMs)
      }
    })
    if (tty) process.stdout.write('\n')
    if (!final) {
      process.stderr.write(`moodle-bridge: job ${jobId} does not exist (or was purged after job_retention_days)\n`)
      process.exit(3)
    }
    process.exit(final.outcome === 'success' ? 0 : 1)
  } catch (error) {
    fail(error)
  }
}

function progressLine(job: JobDetail): string {
  const step = job.steps.at(-1)
  const parts = [`job ${job.id} ${job.type}: ${job.state}`, `attempt ${job.attempts}/${job.maxAttempts}`]
  if (step) parts.push(`step ${step}`)
  if (job.state === 'retry_wait') parts.push(`next try ${utc(job.runAfterMs)} UTC`)
  if (job.outcome) parts.push(job.outcome)
  if (job.summary) parts.push(cut(job.summary, 100))
  parts.push(duration(job))
  return parts.join(' · ')
}

function describe(job: JobDetail, callbacks: JobDetail[]): string {
  const lines = [
    `job ${job.id}: ${job.type}`,
    `  state      ${job.state}${job.outcome ? ` (${job.outcome})` : ''}`,
    `  summary    ${job.summary ?? '—'}`,
    `  attempts   ${job.attempts} of ${job.maxAttempts}`,
    `  created    ${utc(job.createdAtMs)} UTC`,
    `  updated    ${utc(job.updatedAtMs)} UTC`,
    `  finished   ${job.finishedAtMs === null ? '—' : `${utc(job.finishedAtMs)} UTC`} (took ${duration(job)})`,
  ]
  if (job.state === 'retry_wait' || job.state === 'queued') lines.push(`  next run   ${utc(job.runAfterMs)} UTC`)
  if (job.state === 'running') lines.push(`  worker     ${job.leaseOwner ?? '—'} (lease until ${job.leaseUntilMs === null ? '—' : utc(job.leaseUntilMs)} UTC)`)
  if (job.requestId) lines.push(`  request    ${job.requestId}`)
  lines.push(`  steps      ${job.steps.length === 0 ? '—' : job.steps.join(', ')}`)
  if (callbacks.length === 0) lines.push('  callbacks  —')
  for (const cb of callbacks) {
    const next = cb.state === 'retry_wait' ? `, next try ${utc(cb.runAfterMs)} UTC` : ''
    lines.push(`  callback   job ${cb.id}: ${cb.state}${cb.outcome ? ` (${cb.outcome})` : ''}, ${cb.attempts} of ${cb.maxAttempts} attempts${next}${cb.summary ? ` — ${cb.summary}` : ''}`)
  }
  return `${lines.join('\n')}\n`
}

function parseId(id: string): number {
  if (!/^\d{1,10}$/.test(id) || Number(id) < 1 || Number(id) > 2147483647) throw new UsageError(`job id must be a positive integer (not ${JSON.stringify(id)})`)
  return Number(id)
}

function splitList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')
}

function utc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}

function duration(job: JobDetail): string {
  const end = job.finishedAtMs ?? (job.state === 'running' ? Date.now() : job.updatedAtMs)
  const s = Math.max(0, (end - job.createdAtMs) / 1000)
  return s < 60 ? `${s.toFixed(1)} s` : s < 3600 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${(s / 3600).toFixed(1)} h`
}

function cut(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ')
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()
  return `${[line(head), ...rows.map(line)].join('\n')}\n`
}
