import { createHash } from 'node:crypto'
import { CALLBACK_JOB_TYPE, OPS_JOB_STATES, callbackResultOf, type OpsJob, type OpsJobState } from './ops-jobs-source.ts'

/**
 * The HTML of the ops listener's jobs pages: plain markup, one inline style sheet (allowed by its
 * hash in the Content-Security-Policy), no script, no external asset. Every value from the store
 * goes through `esc`.
 */

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1d1d1f;background:#fff}
h1{font-size:1.4rem;margin:0 0 .6rem}h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.3rem .55rem;border-bottom:1px solid #ddd}
th{background:#f3f3f5;font-weight:600}td.n{text-align:right;white-space:nowrap}td.t{white-space:nowrap}
tr.failure td{background:#fff1f0}tr.retry td{background:#fff8e6}.err{color:#a8071a}.muted{color:#777}
.kv th{width:11rem;background:none}form{margin:.6rem 0 1rem}label{margin-right:.8rem}
.counts span{margin-right:1rem}.state{font-weight:600}
`
/** The Content-Security-Policy of every jobs page: nothing but this style sheet. */
export const JOBS_PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`

/** Text made safe for HTML content and quoted attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

function page(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta name="referrer" content="no-referrer"><title>${esc(title)} · moodle-bridge</title><style>${STYLE}</style></head>\n<body>\n${body}\n</body></html>\n`
}

/** A page that only says something (404, 400, 503). */
export function messagePage(title: string, message: string, backHref: string | null): string {
  return page(title, `<h1>${esc(title)}</h1>\n<p>${esc(message)}</p>${backHref ? `\n<p><a href="${esc(backHref)}">All jobs</a></p>` : ''}`)
}

/** One row of the list: the job and the status of its callback delivery (null when it has none). */
export interface ListedJob {
  job: OpsJob
  callback: { job: OpsJob; result: string | null } | null
}

export interface ListView {
  rows: ListedJob[]
  states: readonly OpsJobState[]
  types: readonly string[]
  limit: number
  /** Every type in the store, for the filter. */
  knownTypes: readonly string[]
  /** Jobs per state over the whole store. */
  stateCounts: ReadonlyMap<OpsJobState, number>
  nowMs: number
}

/** `/jobs`: the newest jobs, with the filter form. */
export function jobsListPage(view: ListView): string {
  const counts = OPS_JOB_STATES.map((s) => `<span>${esc(s)}: <b>${view.stateCounts.get(s) ?? 0}</b></span>`).join('')
  const option = (value: string, chosen: boolean, label = value) => `<option value="${esc(value)}"${chosen ? ' selected' : ''}>${esc(label)}</option>`
  const types = [...new Set([...view.knownTypes, ...view.types])].sort()
  const form =
    `<form method="get">` +
    `<label>State <select name="state">${option('', view.states.length === 0, 'all')}${OPS_JOB_STATES.map((s) => option(s, view.states.length === 1 && view.states[0] === s)).join('')}</select></label>` +
    `<label>Type <select name="type">${option('', view.types.length === 0, 'all')}${types.map((t) => option(t, view.types.length === 1 && view.types[0] === t)).join('')}</select></label>` +
    `<label>Show <input type="number" name="limit" min="1" max="500" value="${view.limit}"></label>` +
    `<button type="submit">Filter</button> <a href="jobs">Clear</a></form>`
  const head = ['ID', 'Type', 'State', 'Created (UTC)', 'Duration', 'Attempts', 'Last error', 'Callback'].map((h) => `<th scope="col">${h}</th>`).join('')
  const rows = view.rows.map(({ job, callback }) => {
    const cls = rowClass(job)
    return `<tr${cls ? ` class="${cls}"` : ''} data-job-id="${job.id}">` +
      `<td class="n"><a href="jobs/${job.id}">${job.id}</a></td><td>${esc(job.type)}</td><td class="state">${esc(stateText(job))}</td>` +
      `<td class="t">${time(job.createdAtMs)}</td><td class="n">${esc(duration(job, view.nowMs))}</td><td class="n">${job.attempts}/${job.maxAttempts}</td>` +
      `<td class="err">${esc(lastError(job) ?? '')}</td><td>${callback ? esc(callbackText(callback.job, callback.result)) : '<span class="muted">—</span>'}</td></tr>`
  })
  const table = rows.length === 0
    ? '<p>No jobs match.</p>'
    : `<table><thead><tr>${head}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`
  const note = `<p class="muted">The ${view.rows.length} newest matching jobs (at most ${view.limit}); finished jobs are kept for job_retention_days. Payloads are never shown.</p>`
  return page('Jobs', `<h1>Jobs</h1>\n<p class="counts">${counts}</p>\n${form}\n${table}\n${note}`)
}

/** `/jobs/ID`: one job, its journal steps and its callback deliveries. */
export function jobDetailPage(job: OpsJob, callbacks: { job: OpsJob; result: string | null }[], nowMs: number): string {
  const kv: [string, string][] = [
    ['Type', esc(job.type)],
    ['State', `<span class="state">${esc(stateText(job))}</span>`],
    [job.outcome === 'success' ? 'Summary' : 'Last error', job.summary === null ? '<span class="muted">—</span>' : `<span${job.outcome === 'success' ? '' : ' class="err"'}>${esc(job.summary)}</span>`],
    ['Attempts', `${job.attempts} of ${job.maxAttempts}`],
    ['Created', `${time(job.createdAtMs)} UTC`],
    ['Updated', `${time(job.updatedAtMs)} UTC`],
    ['Finished', job.finishedAtMs === null ? '<span class="muted">—</span>' : `${time(job.finishedAtMs)} UTC`],
    ['Duration', esc(duration(job, nowMs))],
  ]
  if (job.state === 'queued' || job.state === 'retry_wait') kv.push(['Next run', `${time(job.runAfterMs)} UTC`])
  if (job.state === 'running') kv.push(['Worker', `${esc(job.leaseOwner ?? '—')} (lease until ${job.leaseUntilMs === null ? '—' : `${time(job.leaseUntilMs)} UTC`})`])
  if (job.requestId) kv.push(['Request id', esc(job.requestId)])
  const facts = `<table class="kv"><tbody>\n${kv.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`).join('\n')}\n</tbody></table>`
  const steps = job.steps.length === 0 ? '<p class="muted">No completed steps.</p>' : `<ol class="steps">${job.steps.map((s) => `<li>${esc(s)}</li>`).join('')}</ol>`
  const cbHead = ['Delivery job', 'Status', 'Attempts', 'Next retry (UTC)', 'Last error', 'Updated (UTC)'].map((h) => `<th scope="col">${h}</th>`).join('')
  const cbRows = callbacks.map(({ job: cb, result }) =>
    `<tr${rowClass(cb) ? ` class="${rowClass(cb)}"` : ''}><td class="n"><a href="${cb.id}">${cb.id}</a></td><td class="state">${esc(callbackText(cb, result))}</td>` +
    `<td class="n">${cb.attempts}/${cb.maxAttempts}</td><td class="t">${cb.state === 'retry_wait' || cb.state === 'queued' ? time(cb.runAfterMs) : '<span class="muted">—</span>'}</td>` +
    `<td class="err">${esc(lastError(cb) ?? '')}</td><td class="t">${time(cb.updatedAtMs)}</td></tr>`)
  const deliveries = callbacks.length === 0
    ? `<p class="muted">${job.type === CALLBACK_JOB_TYPE ? 'This job is itself a callback delivery.' : 'None (the job has not reported, or its type does not report).'}</p>`
    : `<table class="callbacks"><thead><tr>${cbHead}</tr></thead><tbody>\n${cbRows.join('\n')}\n</tbody></table>`
  return page(`Job ${job.id}`,
    `<p><a href="../jobs">All jobs</a></p>\n<h1>Job ${job.id} · ${esc(job.type)}</h1>\n${facts}\n<h2>Journal steps</h2>\n${steps}\n<h2>Callback deliveries</h2>\n${deliveries}\n` +
    `<p class="muted">Payloads are never shown (they may hold secrets).</p>`)
}

function stateText(job: OpsJob): string {
  return job.outcome && job.state !== 'queued' && job.state !== 'running' && job.state !== 'retry_wait' ? `${job.state} (${job.outcome})` : job.state
}

function rowClass(job: OpsJob): string {
  return job.outcome === 'failure' ? 'failure' : job.state === 'retry_wait' ? 'retry' : ''
}

/** The error a job ended or waits on: a final failure, or the transient one a retry waits on. */
function lastError(job: OpsJob): string | null {
  return job.outcome === 'failure' || job.state === 'retry_wait' ? job.summary : null
}

/** A callback delivery's status in words. */
export function callbackText(cb: OpsJob, result: string | null): string {
  if (cb.state === 'queued') return 'queued'
  if (cb.state === 'running') return 'sending'
  if (cb.state === 'retry_wait') return `retrying (${cb.attempts} attempt${cb.attempts === 1 ? '' : 's'} failed, next ${utc(cb.runAfterMs)} UTC)`
  if (cb.outcome === 'success') return callbackResultOf(result) ?? 'delivered'
  return 'failed'
}

function time(ms: number): string {
  return `<time datetime="${new Date(ms).toISOString()}">${utc(ms)}</time>`
}

function utc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}

function duration(job: OpsJob, nowMs: number): string {
  const end = job.finishedAtMs ?? (job.state === 'running' || job.state === 'reporting' ? nowMs : job.updatedAtMs)
  const s = Math.max(0, (end - job.createdAtMs) / 1000)
  return s < 60 ? `${s.toFixed(1)} s` : s < 3600 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${(s / 3600).toFixed(1)} h`
}
