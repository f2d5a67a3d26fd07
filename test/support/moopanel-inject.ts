/**
 * In-process requests to the management API of a service (`app.inject`), with the test key and
 * `{data: …}` bodies; every answer is checked against the generated OpenAPI document.
 */
import type { FastifyInstance } from 'fastify'
import { assertDocumented } from './moopanel-openapi-check.ts'
import { TEST_KEY } from './start-fixture-service.ts'

export function moopanelApi(app: () => FastifyInstance) {
  return async (path: string, method = 'GET', data?: unknown) => {
    const url = `/local/moopanel/server.php${path}`
    const res = await app().inject({
      method: method as 'GET',
      url,
      headers: { 'x-api-key': TEST_KEY, ...(data === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(data === undefined ? {} : { payload: JSON.stringify({ data }) }),
    })
    assertDocumented(method, res.raw.req.url ?? url, { status: res.statusCode, headers: res.headers, body: res.body })
    return { status: res.statusCode, json: res.json(), headers: res.headers, body: res.body }
  }
}
