import type { FastifyInstance } from 'fastify'
import { docsAssetRoute, docsPageHtml, DOCS_PAGE_HEADERS } from '../items/index.ts'
import { moopanelOpenApi } from '../moopanel/index.ts'

/**
 * One documentation page for both APIs on the operations listener (issue #11 point 3): Swagger UI
 * from the local swagger-ui-dist (no CDN) with a choice between the management API's document
 * (`/moopanel/openapi.json`) and, when the Items API is served, the Items API's
 * (`/items/openapi.json`). No key is needed here, as for the rest of the listener (loopback by default).
 */
export function registerDocsPage(app: FastifyInstance, itemsDocument: () => string | null): void {
  app.get('/items/openapi.json', async (_request, reply) => {
    const json = itemsDocument()
    if (json === null) return reply.status(404).send({ error: 'Not found.' })
    return reply.header('content-type', 'application/json; charset=utf-8').send(json)
  })
  app.get('/docs', async (_request, reply) => {
    reply.headers({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', ...DOCS_PAGE_HEADERS })
    return PAGE
  })
  app.get('/docs/init.js', async (_request, reply) => {
    const urls = [{ url: '/moopanel/openapi.json', name: 'Management API (MooPanel)' }]
    if (itemsDocument() !== null) urls.push({ url: '/items/openapi.json', name: 'Items API (MIDDAG)' })
    const body = `window.onload = function () {\n  window.ui = SwaggerUIBundle({ urls: ${JSON.stringify(urls)}, dom_id: '#swagger-ui', deepLinking: true,\n    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' })\n}\n`
    return reply.headers({ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }).send(body)
  })
  app.get<{ Params: { asset: string } }>('/docs/:asset', async (request, reply) => {
    try {
      const asset = await docsAssetRoute(request.params.asset)
      return reply.status(asset.status).headers(asset.headers).send(asset.body)
    } catch {
      return reply.status(404).send({ error: 'Not found.' })
    }
  })
}

const PAGE = docsPageHtml('/docs', 'moodle-bridge APIs')
