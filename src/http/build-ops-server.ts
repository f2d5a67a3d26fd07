import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import { moopanelOpenApi } from '../moopanel/index.ts'
import type { Registry } from 'prom-client'
import { registerDocsPage } from './ops-docs-page.ts'
import { registerJobMetrics } from './ops-job-metrics.ts'
import { answer, isJobsPath, registerJobsPages } from './ops-jobs-routes.ts'
import type { OpsJobsSource } from './ops-jobs-source.ts'

/** What the operations listener needs. */
export interface OpsOptions {
  registry: Registry
  /** The `/metrics` text when it is more than `registry`'s (many sites: every site's registry merged). */
  metrics?: () => Promise<string>
  /** True when the Moodle database and the service's store both answer. */
  ready: () => Promise<boolean>
  /** Why the service is not ready before its databases are even asked (warm-up unfinished or failing); null when it is. */
  notReadyReason?: () => string | null
  /** The store's jobs: with it, the read-only jobs pages (`/jobs`, `/jobs/ID`) and the job metrics. */
  jobs?: OpsJobsSource
  /** The Items API's OpenAPI document (JSON), or null when the Items API is not served: for the docs page. */
  itemsDocument?: () => string | null
}

/**
 * The operations listener (moopanel-api.md §7): `/healthz`, `/readyz`, `/metrics` and the
 * read-only jobs pages, on its own address (loopback by default), without an API key and
 * unreachable through the API route.
 */
export async function buildOpsServer(options: OpsOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    // Its answers are short: closing does not wait for kept-alive or pre-opened sockets (a browser
    // on the jobs pages opens some without sending a request, which Node keeps until headersTimeout).
    forceCloseConnections: true,
    // A malformed or overlong URL (`/jobs/%zz`, a 300-digit id) is a missing page on the jobs pages.
    frameworkErrors: (error, request, reply) => {
      const r = reply as unknown as FastifyReply
      if (options.jobs && isJobsPath(request.url)) return void answer(request, r, 404, 'Not found', 'No such page: the jobs are listed at /jobs, one job at /jobs/ID.', null)
      void r.status(error.statusCode ?? 400).send({ error: 'Bad request.' })
    },
  })
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
  // The management API's OpenAPI document without the key (issue #11 point 3): the same bytes as
  // /local/moopanel/server.php/openapi.json|yaml and `bin/moodle-bridge openapi --api moopanel`.
  app.get('/moopanel/openapi.json', async (_request, reply) =>
    reply.header('content-type', 'application/json; charset=utf-8').send(moopanelOpenApi().json))
  app.get('/moopanel/openapi.yaml', async (_request, reply) =>
    reply.header('content-type', 'application/yaml; charset=utf-8').send(moopanelOpenApi().yaml))
  registerDocsPage(app, options.itemsDocument ?? (() => null))
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', options.registry.contentType)
    return options.metrics ? options.metrics() : options.registry.metrics()
  })
  if (options.jobs) {
    registerJobsPages(app, options.jobs)
    registerJobMetrics(options.registry, options.jobs)
  }
  app.setNotFoundHandler(async (request, reply) =>
    options.jobs && isJobsPath(request.url)
      ? answer(request, reply, 404, 'Not found', 'No such page: the jobs are listed at /jobs, one job at /jobs/ID.', null)
      : reply.status(404).send({ error: 'Not found.' }),
  )
  return app
}
