import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { JOBS_PAGE_CSP, jobDetailPage, jobsListPage, messagePage, type ListedJob } from './ops-jobs-html.ts'
import { CALLBACK_JOB_TYPE, OPS_JOB_STATES, type OpsJob, type OpsJobState, type OpsJobsSource } from './ops-jobs-source.ts'

const DEFAULT_LIMIT = 50
const MAX_LIMIT = 500
const TYPE_NAME = /^[A-Za-z0-9_.:-]{1,100}$/
/** Parallel callback look-ups while a list is built (each is two small indexed queries). */
const LOOKUPS_AT_ONCE = 4

/** A request the page refuses (400), with the reason shown to the operator. */
class BadFilter extends Error {}

/**
 * The read-only jobs pages of the ops listener: `GET /jobs` (newest first, `?state=`, `?type=`,
 * `?limit=`) and `GET /jobs/ID`. HEAD works too; other methods get 405. Answers are HTML (JSON
 * errors for a client that asks only for JSON), never a 500: bad filters 400, unknown or
 * malformed ids 404, a store that does not answer 503.
 */
export function registerJobsPages(app: FastifyInstance, source: OpsJobsSource, nowMs: () => number = Date.now): void {
  app.get('/jobs', async (request, reply) => {
    let filter: { states: OpsJobState[]; types: string[]; limit: number }
    try {
      filter = parseFilter(request.query as Record<string, unknown>)
    } catch (error) {
      if (!(error instanceof BadFilter)) throw error
      return answer(request, reply, 400, 'Bad filter', error.message)
    }
    try {
      const [jobs, counts] = await Promise.all([
        source.list({ states: filter.states, types: filter.types, limit: filter.limit }),
        source.counts(),
      ])
      const rows = await withCallbacks(source, jobs)
      const stateCounts = new Map<OpsJobState, number>()
      for (const c of counts) stateCounts.set(c.state, (stateCounts.get(c.state) ?? 0) + c.count)
      const knownTypes = [...new Set(counts.map((c) => c.type))]
      return html(reply, 200, jobsListPage({ rows, ...filter, knownTypes, stateCounts, nowMs: nowMs() }))
    } catch {
      return answer(request, reply, 503, 'Store unavailable', "The service's store did not answer; try again.")
    }
  })

  app.get('/jobs/:id', async (request, reply) => {
    const raw = (request.params as { id?: string }).id ?? ''
    const id = /^[1-9]\d{0,9}$/.test(raw) && Number(raw) <= 2147483647 ? Number(raw) : null
    if (id === null) return answer(request, reply, 404, 'No such job', 'A job id is a positive whole number.', '../jobs')
    try {
      const job = await source.read(id)
      if (!job) return answer(request, reply, 404, 'No such job', `Job ${id} does not exist (or was purged after job_retention_days).`, '../jobs')
      const callbacks = await Promise.all((await source.callbacksOf(id)).map(async (cb) => ({ job: cb, result: await resultIfSettled(source, cb) })))
      return html(reply, 200, jobDetailPage(job, callbacks, nowMs()))
    } catch {
      return answer(request, reply, 503, 'Store unavailable', "The service's store did not answer; try again.", '../jobs')
    }
  })

  for (const url of ['/jobs', '/jobs/:id']) {
    app.route({
      method: ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url,
      handler: async (request, reply) => {
        reply.header('allow', 'GET, HEAD')
        return answer(request, reply, 405, 'Read-only', 'The jobs pages only answer GET and HEAD; use bin/moodle-bridge jobs retry|cancel to act on a job.', null)
      },
    })
  }
}

/** Whether a path belongs to the jobs pages (for the ops listener's 404). */
export function isJobsPath(url: string): boolean {
  return /^\/jobs(?:[/?#]|$)/.test(url)
}

/** An error answer: HTML, or JSON `{"error": …}` for a client that accepts JSON but not HTML. */
export function answer(request: FastifyRequest, reply: FastifyReply, status: number, title: string, message: string, backHref: string | null = 'jobs'): FastifyReply {
  const accept = String(request.headers.accept ?? '')
  if (/application\/json/i.test(accept) && !/text\/html/i.test(accept)) {
    return securityHeaders(reply).status(status).type('application/json; charset=utf-8').send({ error: message })
  }
  return html(reply, status, messagePage(title, message, backHref))
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return securityHeaders(reply).status(status).type('text/html; charset=utf-8').send(body)
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply.header('content-security-policy', JOBS_PAGE_CSP).header('x-frame-options', 'DENY').header('referrer-policy', 'no-referrer')
}

function parseFilter(query: Record<string, unknown>): { states: OpsJobState[]; types: string[]; limit: number } {
  const states = values(query['state'], 'state')
  const bad = states.filter((s) => !(OPS_JOB_STATES as readonly string[]).includes(s))
  if (bad.length > 0) throw new BadFilter(`state takes ${OPS_JOB_STATES.join(', ')} (not ${bad.map((s) => JSON.stringify(s)).join(', ')}).`)
  const types = values(query['type'], 'type')
  if (types.some((t) => !TYPE_NAME.test(t))) throw new BadFilter('type takes job type names (letters, digits and _ . : -, at most 100 characters).')
  const limits = values(query['limit'], 'limit')
  if (limits.length > 1) throw new BadFilter('limit is given once.')
  const limit = limits.length === 0 ? DEFAULT_LIMIT : /^\d{1,4}$/.test(limits[0]!) ? Number(limits[0]) : NaN
  if (!(limit >= 1 && limit <= MAX_LIMIT)) throw new BadFilter(`limit takes a number from 1 to ${MAX_LIMIT}.`)
  return { states: states as OpsJobState[], types, limit }
}

/** The values of a query parameter, repeated or comma-separated; empty ones (the form's "all") dropped. */
function values(value: unknown, name: string): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value]
  const out = list.flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter((v) => v !== '')
  if (out.length > 20) throw new BadFilter(`${name} takes at most 20 values.`)
  return [...new Set(out)]
}

/** Each job with the status of its latest callback delivery. */
async function withCallbacks(source: OpsJobsSource, jobs: OpsJob[]): Promise<ListedJob[]> {
  const rows: ListedJob[] = []
  for (let i = 0; i < jobs.length; i += LOOKUPS_AT_ONCE) {
    rows.push(...(await Promise.all(jobs.slice(i, i + LOOKUPS_AT_ONCE).map(async (job): Promise<ListedJob> => {
      if (job.type === CALLBACK_JOB_TYPE) return { job, callback: null }
      const latest = (await source.callbacksOf(job.id)).reduce<OpsJob | null>((a, b) => (a === null || b.id > a.id ? b : a), null)
      return { job, callback: latest ? { job: latest, result: await resultIfSettled(source, latest) } : null }
    }))))
  }
  return rows
}

function resultIfSettled(source: OpsJobsSource, cb: OpsJob): Promise<string | null> {
  return cb.state === 'finished' && cb.outcome === 'success' ? source.resultOf(cb.id) : Promise.resolve(null)
}
