import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { type StandInPanel, startStandInPanel } from '../../../test/support/stand-in-panel.ts'
import { type CallbackAttempt, deliverCallbackAttempt, RESPONSE_SNIPPET_BYTES } from './deliver-callback.ts'

const KEY = 'k'.repeat(40)
const BODY = JSON.stringify({ status: true, user_id: null, backup_result_id: 90, message: 'Backup deleted successfully.' })

function attempt(panel: StandInPanel, overrides: Partial<CallbackAttempt> = {}): CallbackAttempt {
  return {
    url: `${panel.url}/api/backups/delete/instance/7`,
    body: BODY,
    contentType: 'application/json',
    apiKey: KEY,
    requestId: 'req-1',
    userAgent: 'moodle-bridge/0.1.0',
    ...overrides,
  }
}

describe('deliverCallbackAttempt', () => {
  let panel: StandInPanel
  before(async () => {
    panel = await startStandInPanel({ apiKey: KEY, ratePerMinute: 1_000 })
  })
  after(() => panel.stop())
  beforeEach(() => {
    panel.script(null)
    panel.requests.length = 0
  })

  it('is accepted on 2xx and sends POST with the five headers of §6.1', async () => {
    const result = await deliverCallbackAttempt(attempt(panel, { requestId: 'cb-42-1' }))
    assert.deepEqual({ ...result, durationMs: 0 }, {
      outcome: 'accepted', status: 200, retryAfterMs: null, error: null, durationMs: 0, responseBody: '{"message":"ok","status":true}',
    })
    const [request] = panel.requests
    assert.equal(request?.method, 'POST')
    assert.equal(request.body, BODY)
    assert.equal(request.headers['x-api-key'], KEY)
    assert.equal(request.headers['content-type'], 'application/json')
    assert.equal(request.headers['accept'], 'application/json')
    assert.equal(request.headers['user-agent'], 'moodle-bridge/0.1.0')
    assert.equal(request.headers['x-request-id'], 'cb-42-1')
    for (const status of [201, 204]) {
      panel.script(() => ({ status }))
      assert.equal((await deliverCallbackAttempt(attempt(panel))).outcome, 'accepted')
    }
  })

  it('rejects a 3xx without following it', async () => {
    for (const status of [301, 302, 307, 308]) {
      panel.requests.length = 0
      panel.script((r) => (r.url.endsWith('/moved') ? undefined : { status, headers: { location: `${panel.url}/moved` } }))
      const result = await deliverCallbackAttempt(attempt(panel))
      assert.equal(result.outcome, 'rejected')
      assert.equal(result.status, status)
      assert.equal(panel.requests.length, 1)
    }
  })

  it('rejects 400, 401, 403, 404 and 422 without retry', async () => {
    panel.script(() => ({ status: 400, body: { message: 'Bad request' } }))
    assert.equal((await deliverCallbackAttempt(attempt(panel))).outcome, 'rejected')
    panel.script(() => ({ status: 401 }))
    assert.equal((await deliverCallbackAttempt(attempt(panel))).outcome, 'rejected')
    panel.script(null)
    const forbidden = await deliverCallbackAttempt(attempt(panel, { apiKey: 'wrong' }))
    assert.deepEqual([forbidden.outcome, forbidden.status, forbidden.responseBody], ['rejected', 403, '{"message":"You are not authorized"}'])
    const notFound = await deliverCallbackAttempt(attempt(panel, { url: `${panel.url}/api/backups/delete/7` }))
    assert.deepEqual([notFound.outcome, notFound.status], ['rejected', 404])
    const invalid = await deliverCallbackAttempt(attempt(panel, { body: '{"status":true}' }))
    assert.deepEqual([invalid.outcome, invalid.status], ['rejected', 422])
    assert.match(invalid.responseBody ?? '', /"message":"The given data was invalid\.","errors":\{.*"user_id"/)
  })

  it('retries after 408, 429 and 5xx', async () => {
    for (const status of [408, 429, 500, 502, 503, 504]) {
      panel.script(() => ({ status }))
      const result = await deliverCallbackAttempt(attempt(panel))
      assert.deepEqual([result.outcome, result.status, result.retryAfterMs], ['retry', status, null], String(status))
    }
  })

  it('reads Retry-After on 429 and 503 as seconds or HTTP date, capped at 1 h', async () => {
    panel.script(() => ({ status: 429, headers: { 'retry-after': '42' } }))
    assert.equal((await deliverCallbackAttempt(attempt(panel))).retryAfterMs, 42_000)
    const date = new Date(Date.now() + 120_000).toUTCString()
    panel.script(() => ({ status: 503, headers: { 'retry-after': date } }))
    const fromDate = (await deliverCallbackAttempt(attempt(panel))).retryAfterMs ?? 0
    assert.ok(fromDate > 115_000 && fromDate <= 120_000, String(fromDate))
    panel.script(() => ({ status: 503, headers: { 'retry-after': '86400' } }))
    assert.equal((await deliverCallbackAttempt(attempt(panel))).retryAfterMs, 3_600_000)
    panel.script(() => ({ status: 500, headers: { 'retry-after': '42' } }))
    assert.equal((await deliverCallbackAttempt(attempt(panel))).retryAfterMs, null)
  })

  it('retries when the connection is reset without an answer', async () => {
    panel.script(() => ({ close: true }))
    const result = await deliverCallbackAttempt(attempt(panel))
    assert.deepEqual([result.outcome, result.status, result.error], ['retry', null, 'connection closed'])
  })

  it('retries after the total timeout when the panel hangs', async () => {
    panel.script(() => ({ hang: true }))
    const result = await deliverCallbackAttempt(attempt(panel, { totalTimeoutMs: 300 }))
    assert.deepEqual([result.outcome, result.status, result.error], ['retry', null, 'timeout'])
    assert.ok(result.durationMs >= 290 && result.durationMs < 2_000, String(result.durationMs))
  })

  it('keeps the status of an answer whose body stalls, and does not wait beyond the timeout', async () => {
    panel.script(() => ({ stall: true, status: 200 }))
    const result = await deliverCallbackAttempt(attempt(panel, { totalTimeoutMs: 300 }))
    assert.deepEqual([result.outcome, result.status, result.responseBody], ['accepted', 200, '{"message":'])
    assert.ok(result.durationMs < 2_000, String(result.durationMs))
  })

  it('keeps only the first bytes of a long answer', async () => {
    panel.script(() => ({ status: 500, body: 'x'.repeat(1_000_000) }))
    const result = await deliverCallbackAttempt(attempt(panel))
    assert.equal(result.responseBody?.length, RESPONSE_SNIPPET_BYTES)
  })

  it('retries when cancelled by the caller', async () => {
    panel.script(() => ({ hang: true }))
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    const result = await deliverCallbackAttempt(attempt(panel, { signal: controller.signal }))
    assert.deepEqual([result.outcome, result.error], ['retry', 'cancelled'])
  })
})

describe('deliverCallbackAttempt against an unreachable or busy panel', () => {
  it('retries when the connection is refused (panel stopped)', async () => {
    const panel = await startStandInPanel({ apiKey: KEY })
    await panel.stop()
    const result = await deliverCallbackAttempt(attempt(panel))
    assert.deepEqual([result.outcome, result.status, result.error], ['retry', null, 'connection refused'])
  })

  it('meets MooPanel’s own limit of 60 callbacks per minute with 429 and Retry-After', async () => {
    const panel = await startStandInPanel({ apiKey: KEY })
    try {
      for (let i = 0; i < 60; i++) assert.equal((await deliverCallbackAttempt(attempt(panel))).outcome, 'accepted')
      const limited = await deliverCallbackAttempt(attempt(panel))
      assert.equal(limited.outcome, 'retry')
      assert.equal(limited.status, 429)
      assert.ok(limited.retryAfterMs !== null && limited.retryAfterMs > 0 && limited.retryAfterMs <= 60_000)
    } finally {
      await panel.stop()
    }
  })
})

describe('the stand-in MooPanel itself', () => {
  it('refuses other methods, missing Accept, User-Agent or X-Request-Id, and other media types', async () => {
    const panel = await startStandInPanel({ apiKey: KEY })
    const headers = { 'x-api-key': KEY, 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'moodle-bridge/1', 'x-request-id': 'a' }
    const status = async (init: { method?: string; headers?: Record<string, string> }) =>
      (await fetch(`${panel.url}/api/backups/delete/instance/7`, { method: init.method ?? 'POST', headers: init.headers ?? headers, ...(init.method === 'GET' ? {} : { body: BODY }) })).status
    try {
      assert.equal(await status({}), 200)
      assert.equal(await status({ method: 'GET' }), 405)
      for (const name of ['accept', 'user-agent', 'x-request-id']) {
        const { [name]: _dropped, ...rest } = headers as Record<string, string>
        assert.equal(await status({ headers: rest }), 400, name)
      }
      assert.equal(await status({ headers: { ...headers, 'content-type': 'text/plain' } }), 415)
      assert.equal(await status({ headers: { ...headers, 'content-type': 'application/json; charset=utf-8' } }), 200)
    } finally {
      await panel.stop()
    }
  })
})
