import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { ItemsApi } from '../create-items-api.ts'
import { errorMapper, writeReply } from './error-mapper.ts'
import { bodyParser, fallbackHook, gateHook, preValidationHook, routeHook } from './hooks.ts'
import { stateOf } from './request-state.ts'
import { fastifyPath, itemsRouteTable, type ItemsRoute } from './route-table.ts'

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

/**
 * The Items API as a Fastify plugin: every entry of the route table (route-table.ts, extension routes
 * included, registered at start) is a Fastify route under `M/api`, with and without one trailing slash
 * (§2.1). The processing order of items-api.md §3 is the hook chain of hooks.ts; every error goes
 * through one error mapper (error-mapper.ts) into the envelope of §4.4. Paths no route takes (unknown
 * paths, other methods, `OPTIONS`) reach the two catch-all routes, which answer 404, 405 or 204.
 */
export const itemsPlugin: FastifyPluginAsync<{ api: ItemsApi }> = async (app, { api }) => {
  const table = itemsRouteTable(api.registry.routes)
  const base = `${api.options.mountPath}/api`
  app.addHook('onRequest', gateHook(api))
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', bodyParser(api))
  app.setErrorHandler(errorMapper(api))
  for (const route of table) {
    const url = `${base}${fastifyPath(route)}`
    for (const u of [url, `${url}/`]) {
      app.route({
        method: route.method === 'GET' ? ['GET', 'HEAD'] : route.method,
        url: u,
        // HEAD is its own method here: Fastify's generated HEAD route would send a Content-Length.
        exposeHeadRoute: false,
        onRequest: routeHook(api, route),
        preValidation: preValidationHook(api, route),
        ...(route.schema && Object.keys(route.schema).length > 0 ? { schema: route.schema, validatorCompiler: compiledValidators(route) } : {}),
        handler: (request, reply) => handle(api, route, request, reply),
      })
    }
  }
  const fallback = { method: [...METHODS], onRequest: fallbackHook(api, table), handler: async () => undefined }
  app.route({ ...fallback, url: base })
  app.route({ ...fallback, url: `${base}/*` })
}

/** The extension's validators, compiled at start with coercion (extension-routes.ts), for Fastify to run. */
function compiledValidators(route: ItemsRoute) {
  return ({ httpPart }: { httpPart?: string }) => {
    const validate = httpPart === 'params' ? route.extension?.validateParams : route.extension?.validateQuery
    if (!validate) throw new Error(`no compiled ${httpPart} validator for ${route.method} ${route.path}`)
    return validate
  }
}

async function handle(api: ItemsApi, route: ItemsRoute, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const s = stateOf(request)!
  const result = await route.handle(api, {
    request: { method: request.raw.method ?? 'GET', query: s.query, headers: request.headers, body: request.body as Record<string, unknown> | undefined },
    params: route.extension ? (request.params as Record<string, unknown>) : s.params,
    query: (request.query ?? {}) as Record<string, unknown>,
    caller: s.caller,
    user: s.user,
    requestId: request.id,
    log: request.log,
  })
  return writeReply(api, request, reply, result)
}
