/** The operations listener: health, readiness and Prometheus metrics, without an API key. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startFixtureService, type FixtureService } from './support/start-fixture-service.ts'

describe('operations listener', () => {
  let s: FixtureService
  before(async () => {
    s = await startFixtureService('pgsql')
    await s.service.warmedUp // /readyz answers 503 until the warm-up is done
  })
  after(async () => {
    await s?.close()
  })

  it('answers /healthz and /readyz, and /readyz turns 503 when the Moodle database is gone', async () => {
    assert.deepEqual((await s.service.ops.inject('/healthz')).json(), { status: 'ok' })
    const ready = await s.service.ops.inject('/readyz')
    assert.equal(ready.statusCode, 200)
    assert.deepEqual(ready.json(), { status: 'ok' })
  })

  it('counts requests by endpoint, method and status, and authentication failures by reason', async () => {
    await s.api('/users/count')
    await s.api('/users/count', { key: 'wrong-key-wrong-key-wrong-key-wrong-key' })
    await s.api('/no_such_endpoint')
    const text = (await s.service.ops.inject('/metrics')).body
    assert.match(text, /moodle_bridge_http_requests_total\{endpoint="users",method="GET",status="200"\} [1-9]/)
    assert.match(text, /moodle_bridge_http_requests_total\{endpoint="unknown",method="GET",status="404"\} 1/)
    assert.match(text, /moodle_bridge_auth_failures_total\{reason="invalid"\} 1/)
    assert.match(text, /moodle_bridge_http_request_duration_seconds_bucket/)
    assert.ok(!text.includes('no_such_endpoint'), 'label values never carry request data')
  })

  it('is not reachable through the API route, and the API is not served on it', async () => {
    assert.equal((await s.api('/metrics')).status, 404)
    assert.equal((await s.service.ops.inject('/local/moopanel/server.php/users/count')).statusCode, 404)
  })

  it("serves the management API's OpenAPI document without the key, the same bytes as behind the key", async () => {
    const json = await s.service.ops.inject('/moopanel/openapi.json')
    assert.equal(json.statusCode, 200)
    assert.equal(json.headers['content-type'], 'application/json; charset=utf-8')
    assert.equal(JSON.parse(json.body).openapi, '3.1.0')
    const keyed = await s.api('/openapi.json')
    assert.equal(keyed.status, 200)
    assert.equal(keyed.body, json.body)
    const yaml = await s.service.ops.inject('/moopanel/openapi.yaml')
    assert.equal(yaml.headers['content-type'], 'application/yaml; charset=utf-8')
    assert.equal((await s.api('/openapi.yaml')).body, yaml.body)
  })

  it('reports unavailable once the Moodle database is closed', async () => {
    await s.service.moodle.close()
    const ready = await s.service.ops.inject('/readyz')
    assert.equal(ready.statusCode, 503)
    assert.deepEqual(ready.json(), { status: 'unavailable' })
  })
})
