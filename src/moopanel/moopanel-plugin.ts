import type { FastifyPluginAsync } from 'fastify'
import type { MoopanelDeps } from './context.ts'
import { createPipeline, stashContentType } from './pipeline.ts'

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'] as const

/**
 * The management API as a Fastify plugin: one catch-all route into the pipeline (the pre-routing
 * checks of moopanel-api.md §3.3), which then routes by the route table (routing.ts says why that
 * is not Fastify's router: any prefix, decoded segments, authentication before 404/405). Bodies are
 * left unread by Fastify and read by the pipeline after authentication.
 */
export const moopanelPlugin: FastifyPluginAsync<{ deps: MoopanelDeps }> = async (app, { deps }) => {
  const handle = createPipeline(deps)
  app.addHook('onRequest', async (request) => stashContentType(request))
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined))
  app.route({ method: [...METHODS], url: '*', handler: handle })
  app.setNotFoundHandler(handle)
}
