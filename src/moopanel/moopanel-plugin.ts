import type { FastifyPluginAsync } from 'fastify'
import type { MoopanelDeps } from './context.ts'
import { createPipeline, stashContentType } from './pipeline.ts'

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'] as const

/**
 * The management API as a Fastify plugin: one catch-all route, because the API lives under any
 * prefix and its checks (auth before body, 404/405 texts) follow the contract, not Fastify's
 * router. Bodies are left unread by Fastify and read by the pipeline after authentication.
 */
export const moopanelPlugin: FastifyPluginAsync<{ deps: MoopanelDeps }> = async (app, { deps }) => {
  const handle = createPipeline(deps)
  app.addHook('onRequest', async (request) => stashContentType(request))
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined))
  app.route({ method: [...METHODS], url: '*', handler: handle })
  app.setNotFoundHandler(handle)
}
