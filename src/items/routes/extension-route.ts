import type { FastifyBaseLogger } from 'fastify'
import { Errors, ItemsApiError, violationError } from '../errors.ts'
import type { ExtensionRoute } from '../extensions/extension-routes.ts'
import { okReply, type Reply } from '../http/reply.ts'
import type { AuthenticatedUser, ItemsService, MoodleReader } from '../public-api.ts'
import { hasCapability, type Caller, type ItemsCore } from '../operations/items-core.ts'
import { violationsFromAjv } from '../validation/ajv.ts'
import type { ParsedRequest } from './item-routes.ts'

/**
 * Runs an extension route (§15.3) whose path parameters and query Fastify has validated (400):
 * validate the body (422), call, shape the reply. The body is validated here, not by Fastify, which
 * would check it before the query and answer 422 where the contract answers 400 (§3 step 10 first).
 */
export async function extensionRoute(
  core: ItemsCore,
  route: ExtensionRoute,
  params: Record<string, unknown>,
  query: Record<string, unknown>,
  r: ParsedRequest,
  ctx: { caller: Caller | null; user: AuthenticatedUser | null; items: ItemsService; ip: string; requestId: string; log: FastifyBaseLogger },
): Promise<Reply> {
  if (route.validateBody && !route.validateBody(r.body)) throw violationError(422, violationsFromAjv(route.validateBody.errors))
  const headers: Record<string, string | undefined> = {}
  for (const [k, v] of Object.entries(r.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v
  const result = await route.def.handler(
    { params, query, body: r.body, headers, ip: ctx.ip },
    {
      requestId: ctx.requestId,
      user: ctx.user,
      items: ctx.items,
      moodle: core.moodle.db as unknown as MoodleReader,
      hasCapability: async (capability) => (ctx.caller ? hasCapability(core, ctx.caller, capability) : false),
      log: ctx.log,
    },
  )
  const status = result.status ?? 200
  const shape = route.shapeResponse.get(status)
  if (!shape) {
    ctx.log.error({ route: route.operationId, status }, 'extension route returned an undeclared status')
    throw Errors.serverError()
  }
  if (status === 204) return { status: 204, headers: { ...(result.headers ?? {}) } }
  const full = result as { data: unknown; meta?: Record<string, unknown>; headers?: Record<string, string> }
  const data = structuredClone(full.data)
  if (shape.data) shape.data(data)
  let meta: unknown = full.meta === undefined ? undefined : structuredClone(full.meta)
  if (meta !== undefined && shape.meta) shape.meta(meta)
  return okReply(status, data, { meta, headers: full.headers })
}

export { ItemsApiError }
