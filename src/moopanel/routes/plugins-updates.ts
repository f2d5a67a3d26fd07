import { acceptAsync, type AsyncPlan } from '../async/accept-async.ts'
import { idValue } from '../async/id-value.ts'
import { errorReply, type EndpointContext, type EndpointHandler } from '../context.ts'
import { isObject } from '../json-values.ts'
import { installZipRequest } from '../jobs/install-zip-plugins.ts'
import { updatePluginsRequest, type PluginUpdateItem } from '../jobs/update-plugins.ts'

const invalid = (path: string): AsyncPlan => ({ kind: 'error', reply: errorReply('MB_INVALID_FIELD', { path }) })
const COMPONENT = /^[a-z][a-z0-9]*_[a-z][a-z0-9_]*$/
const VERSION = /^\d{1,12}$/

/** POST /plugins/updates: one `plugins_update` job (moopanel-api.md §4.7). */
export const postPluginUpdates: EndpointHandler = (ctx) => acceptAsync(ctx, async () => planUpdates(ctx), { codeChange: true })

/** POST /plugins/installzip: one `plugins_install_zip` job (moopanel-api.md §4.8). */
export const postPluginInstallZip: EndpointHandler = (ctx) => acceptAsync(ctx, async () => planInstallZip(ctx), { codeChange: true })

/** `user_id` and `username` of §4.7: optional, id value / string ≤ 255; the path of the first bad one. */
function echoFields(p: Record<string, unknown>): { userId: number | null; username: string | null } | { bad: string } {
  const rawUser = p['user_id']
  const userId = rawUser === undefined || rawUser === null ? null : idValue(rawUser)
  if (userId === null && rawUser !== undefined && rawUser !== null) return { bad: 'user_id' }
  const rawName = p['username']
  if (rawName !== undefined && rawName !== null && (typeof rawName !== 'string' || Array.from(rawName).length > 255)) return { bad: 'username' }
  return { userId, username: typeof rawName === 'string' ? rawName : null }
}

/** instance_id and a non-empty `updates` array are checked by the route table; the items here. */
function planUpdates(ctx: EndpointContext): AsyncPlan {
  const p = ctx.payload
  const instanceId = idValue(p['instance_id'])!
  const raw = p['updates'] as unknown[]
  const updates: PluginUpdateItem[] = []
  for (const [i, item] of raw.entries()) {
    if (!isObject(item)) return invalid(`updates.${i}`)
    const modelId = idValue(item['model_id'])
    if (modelId === null) return invalid(`updates.${i}.model_id`)
    const component = item['component']
    if (typeof component !== 'string' || !COMPONENT.test(component)) return invalid(`updates.${i}.component`)
    const version = typeof item['version'] === 'number' && Number.isSafeInteger(item['version']) ? String(item['version']) : item['version']
    if (typeof version !== 'string' || !VERSION.test(version)) return invalid(`updates.${i}.version`)
    const download = item['download'] ?? null
    if (download !== null && (typeof download !== 'string' || download.length > 2048)) return invalid(`updates.${i}.download`)
    updates.push({ modelId, component, version, download })
  }
  const echo = echoFields(p)
  if ('bad' in echo) return invalid(echo.bad)
  return {
    kind: 'jobs',
    jobs: [updatePluginsRequest({ instanceId, ...echo, updates })],
    respond: ([id]) => ({ status: true, moodle_job_id: id, message: 'Plugins update in progress.' }),
  }
}

/** instance_id and a non-empty `updates` array are checked by the route table; the URLs here. */
function planInstallZip(ctx: EndpointContext): AsyncPlan {
  const p = ctx.payload
  const instanceId = idValue(p['instance_id'])!
  const raw = p['updates'] as unknown[]
  for (const [i, url] of raw.entries()) if (!isHttpUrl(url)) return invalid(`updates.${i}`)
  const echo = echoFields(p)
  if ('bad' in echo) return invalid(echo.bad)
  return {
    kind: 'jobs',
    jobs: [installZipRequest({ instanceId, ...echo, urls: raw as string[] })],
    respond: ([id]) => ({ status: true, moodle_job_id: id, message: 'Plugins install in progress.' }),
  }
}

/** An absolute http(s) URL of at most 2048 characters (the download policy is the job's). */
function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 2048) return false
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:'
  } catch {
    return false
  }
}
