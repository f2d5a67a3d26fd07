import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify'
import { moopanelPlugin, type MoopanelDeps } from '../moopanel/index.ts'
import { itemsPlugin, type ItemsApi } from '../items/index.ts'
import { loggerOptions, type LogFormat } from './logger-options.ts'
import { clientErrorResponse } from './client-error-response.ts'

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/
const SECURITY_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }

/** Options of the HTTP server that serves the APIs. */
export interface ServerOptions {
  moopanel: MoopanelDeps
  logLevel?: string
  /** JSON lines, readable lines, or readable only on a terminal (default). */
  logFormat?: LogFormat
  /** A logger to use instead of one of its own (a site's child of the process logger, many sites). */
  logger?: FastifyBaseLogger
  /** The Items API (items-api.md), built with the server's logger; closed with the server. */
  items?: (log: FastifyInstance['log']) => Promise<ItemsApi>
}

/**
 * The API server: request ids (an incoming valid `X-Request-Id` is adopted), security headers on
 * every reply, JSON `Bad request.` for malformed requests, and the management API.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  /** The Items API's mount path once it is built: its malformed requests get its error envelope. */
  let itemsMount: string | null = null
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: loggerOptions(options.logLevel ?? 'info', options.logFormat) }),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id']
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
    },
    requestIdHeader: false,
    // Extension routes' path parameters may be long (find-my-way's default cuts them at 100 characters into a 404).
    routerOptions: { maxParamLength: 16_384 },
    return503OnClosing: true,
    frameworkErrors: (_error, request, reply) => {
      const r = reply as unknown as FastifyReply
      void r
        .status(400)
        .headers({ ...SECURITY_HEADERS, 'x-request-id': request.id, 'content-type': 'application/json; charset=utf-8' })
        .send('{"error":"Bad request."}')
    },
    clientErrorHandler: (error, socket) => {
      if (socket.writable) socket.end(clientErrorResponse(error, itemsMount))
      else socket.destroy()
    },
  })
  app.addHook('onRequest', async (request, reply) => {
    reply.headers({ ...SECURITY_HEADERS, 'x-request-id': request.id })
  })
  await app.register(moopanelPlugin, { deps: options.moopanel })
  if (options.items) {
    const items = await options.items(app.log)
    itemsMount = items.options.mountPath
    app.addHook('onClose', async () => items.close())
    await app.register(itemsPlugin, { api: items })
  }
  return app
}
