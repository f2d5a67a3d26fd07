import { moodleHasAdminPresets } from '../../moodle/index.ts'
import { acceptAsync, type AsyncPlan } from '../async/accept-async.ts'
import { idValue } from '../async/id-value.ts'
import { errorReply, type EndpointContext, type EndpointHandler } from '../context.ts'
import { createAdminPresetRequest } from '../jobs/create-admin-preset.ts'

/** GET /admin_presets?instanceid=<n>: one `admin_presets_create` job; the XML follows by callback (moopanel-api.md §4.13). */
export const adminPresets: EndpointHandler = (ctx) => acceptAsync(ctx, () => plan(ctx))

async function plan(ctx: EndpointContext): Promise<AsyncPlan> {
  // `instanceid` is an id value (route table).
  const instanceId = idValue(ctx.query.get('instanceid'))!
  if (!(await moodleHasAdminPresets(ctx.deps.moodle))) {
    return { kind: 'error', reply: errorReply('MB_ADMIN_PRESETS_MISSING') }
  }
  return {
    kind: 'jobs',
    jobs: [createAdminPresetRequest({ instanceId })],
    respond: ([id]) => ({ status: true, message: 'Admin presets creation in progress', moodle_job_id: id ?? null }),
  }
}
