import { findJob } from '../../jobs/index.ts'
import { ok, param, type EndpointHandler } from '../context.ts'
import { PUBLIC_JOB_NAMES } from '../jobs/job-names.ts'

/** Job types visible to /tasks/check (moopanel-api.md §5.1). */
const PUBLIC_TYPES: ReadonlySet<string> = new Set(PUBLIC_JOB_NAMES)

const UNKNOWN = { status: 4, error: 'There is no log data for selected task.' }

/** GET /tasks/check: a job's state from the service's own job table (§4.14); `id` and `type` are given (route table). */
export const tasksCheck: EndpointHandler = async (ctx) => {
  const idText = param(ctx, 'id')!
  const type = param(ctx, 'type')!
  const id = /^\d{1,10}$/.test(idText) ? Number(idText) : 0
  if (id < 1 || id > 2147483647 || !PUBLIC_TYPES.has(type)) return ok(UNKNOWN)
  const job = await findJob(ctx.deps.store, id)
  if (!job || job.type !== type) return ok(UNKNOWN)
  if (job.state !== 'finished') return ok({ status: 2, error: '' })
  if (job.outcome === 'success') return ok({ status: 1, error: '' })
  return ok({ status: 3, error: [...(job.summary || 'Task was failed.')].slice(0, 255).join('') })
}
