import { availableCoreUpdates, compareVersions, getPluginInventory } from '../../moodle/index.ts'
import { acceptAsync, type AsyncPlan } from '../async/accept-async.ts'
import { idValue } from '../async/id-value.ts'
import type { MoopanelCode } from '../../shared/error-catalogue.ts'
import { errorReply, type EndpointContext, type EndpointHandler } from '../context.ts'
import { updateCoreRequest } from '../jobs/update-core.ts'

const error = (code: MoopanelCode): AsyncPlan => ({ kind: 'error', reply: errorReply(code) })

/** POST /moodle_core (any sub-path): one `core_update` job (moopanel-api.md §4.12). */
export const postMoodleCore: EndpointHandler = (ctx) => acceptAsync(ctx, () => plan(ctx), { codeChange: true })

async function plan(ctx: EndpointContext): Promise<AsyncPlan> {
  // instance_id, update_id, version, download and user_id are checked by the route table.
  const p = ctx.payload
  const instanceId = idValue(p['instance_id'])!
  const updateId = idValue(p['update_id'])!
  const version = String(p['version'] as string | number)
  const userId = p['user_id'] === undefined || p['user_id'] === null ? null : idValue(p['user_id'])
  // Pending targets are not counted: what is listed is what may still be installed.
  const available = availableCoreUpdates(await getPluginInventory(ctx.deps.moodle))
  if (available.length === 0) return error('MB_CORE_NO_UPDATES')
  const entry = /^\s*\d+(\.\d+)?\s*$/.test(version) ? available.find((u) => compareVersions(u.version, version) === 0) : undefined
  if (!entry || !entry.download) return error('MB_CORE_VERSION_NOT_AVAILABLE')
  return {
    kind: 'jobs',
    jobs: [updateCoreRequest({ instanceId, updateId, userId, version: entry.version, download: entry.download, md5: entry.downloadmd5 })],
    respond: ([id]) => ({ status: true, moodle_job_id: id, message: 'Core update in progress.' }),
  }
}
