import Fastify, { type FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'

/** What the operations listener needs. */
export interface OpsOptions {
  registry: Registry
  /** True when the Moodle database and the service's store both answer. */
  ready: () => Promise<boolean>
  /** Why the service is not ready before its databases are even asked (warm-up unfinished or failing); null when it is. */
  notReadyReason?: () => string | null
}

/**
 * The operations listener (moopanel-api.md §7): `/healthz`, `/readyz` and `/metrics`, on its own
 * address (loopback by default), without an API key and unreachable through the API route.
 */
export async function buildOpsServer(options: OpsOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff')
  })
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (_request, reply) => {
    const reason = options.notReadyReason?.() ?? null
    if (reason !== null) return reply.status(503).send({ status: 'unavailable', reason })
    const ready = await options.ready().catch(() => false)
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable' })
  })
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', options.registry.contentType)
    return options.registry.metrics()
  })
  app.setNotFoundHandler(async (_request, reply) => reply.status(404).send({ error: 'Not found.' }))
  return app
}
