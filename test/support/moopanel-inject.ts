/** In-process requests to the management API of a service (`app.inject`), with the test key and `{data: …}` bodies. */
import type { FastifyInstance } from 'fastify'
import { TEST_KEY } from './start-fixture-service.ts'

export function moopanelApi(app: () => FastifyInstance) {
  return async (path: string, method = 'GET', data?: unknown) => {
    const res = await app().inject({
      method: method as 'GET',
      url: `/local/moopanel/server.php${path}`,
      headers: { 'x-api-key': TEST_KEY, ...(data === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(data === undefined ? {} : { payload: JSON.stringify({ data }) }),
    })
    return { status: res.statusCode, json: res.json(), headers: res.headers, body: res.body }
  }
}
