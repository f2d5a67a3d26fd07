import { errorReply, type EndpointContext, type EndpointHandler, type Reply } from './context.ts'
import { adminPresets } from './routes/admin-presets.ts'
import { getApiKeyStatus, postApiKeyStatus } from './routes/api-key-status.ts'
import { backupsInProgress } from './routes/backups.ts'
import { createBackups } from './routes/backups-create.ts'
import { deleteBackups } from './routes/backups-delete.ts'
import { restoreBackup } from './routes/backups-restore.ts'
import { courses } from './routes/courses.ts'
import { moodleCore } from './routes/moodle-core.ts'
import { postMoodleCore } from './routes/moodle-core-update.ts'
import { plugin } from './routes/plugin.ts'
import { plugins } from './routes/plugins.ts'
import { postPluginInstallZip, postPluginUpdates } from './routes/plugins-updates.ts'
import { dashboard, testConnection } from './routes/site.ts'
import { tasksCheck } from './routes/tasks.ts'
import { user } from './routes/user.ts'
import { users } from './routes/users.ts'


/** Handlers per endpoint and method; asynchronous operations arrive with the job engine (issue #3). */
const HANDLERS: Readonly<Record<string, Readonly<Record<string, EndpointHandler>>>> = {
  test_connection: { GET: testConnection },
  dashboard: { GET: dashboard },
  api_key_status: { GET: getApiKeyStatus, POST: postApiKeyStatus },
  users: { GET: users, POST: async () => errorReply(501, 'Not Implemented yet.') },
  user: { GET: user, POST: async () => errorReply(501, 'Not implemented yet.') },
  plugins: { GET: plugins, POST: pluginsPost },
  plugin: { GET: plugin, POST: plugin },
  moodle_core: { GET: moodleCore, POST: postMoodleCore },
  admin_presets: { GET: adminPresets },
  tasks: { GET: tasksCheck },
  courses: { GET: courses },
  backups: { GET: backupsInProgress, POST: createBackups, PUT: restoreBackup, DELETE: deleteBackups },
}

async function pluginsPost(ctx: EndpointContext): Promise<Reply> {
  if (ctx.subPath === 'updates') return postPluginUpdates(ctx)
  if (ctx.subPath === 'installzip') return postPluginInstallZip(ctx)
  return errorReply(400, 'Bad request - undefined method.')
}

/** Runs the endpoint handler for an authenticated, routed request with an allowed method. */
export function dispatch(endpoint: string, ctx: EndpointContext): Promise<Reply> {
  const methods = Object.hasOwn(HANDLERS, endpoint) ? HANDLERS[endpoint] : undefined
  const handler = methods && Object.hasOwn(methods, ctx.method) ? methods[ctx.method] : undefined
  return handler ? handler(ctx) : Promise.resolve(errorReply(405, 'Method not allowed.'))
}
