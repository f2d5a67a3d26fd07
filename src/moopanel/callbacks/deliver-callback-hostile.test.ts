/**
 * Callback delivery against panels that misbehave at the TCP level (issue #10 point 0: no outside
 * peer can crash the process): a 8 MiB HTTP/1.0 answer closed right after its body, an answer cut
 * short, a reset mid-body, garbage instead of HTTP. Each attempt must end in an outcome; an uncaught
 * exception (e.g. undici's parser assertion on a socket end while paused) fails the test file.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startRawPeer, type PeerBehaviour, type RawPeer } from '../../shared/test-raw-peer.ts'
import { deliverCallbackAttempt, RESPONSE_SNIPPET_BYTES } from './deliver-callback.ts'

const BIG = Buffer.alloc(8 * 1024 * 1024, 'x')

const BEHAVIOURS: Record<string, PeerBehaviour> = {
  '/http10-big': (s) => {
    s.write('HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n')
    s.write(BIG, () => s.end())
  },
  '/truncated': (s) => {
    s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BIG.length}\r\nConnection: close\r\n\r\n`)
    s.write(BIG.subarray(0, BIG.length / 2), () => s.end())
  },
  '/reset': (s) => {
    s.write(`HTTP/1.1 500 Oops\r\nContent-Length: ${BIG.length}\r\n\r\n`)
    s.write(BIG.subarray(0, 1024 * 1024), () => setImmediate(() => s.resetAndDestroy()))
  },
  '/garbage': (s) => s.end('SSH-2.0-OpenSSH_9.2\r\n'),
  '/headers-then-close': (s) => s.end('HTTP/1.1 503 Busy\r\nRetry-After: 5\r\nContent-Length: 10\r\n\r\n'),
}

let peer: RawPeer
let base: string

before(async () => {
  peer = await startRawPeer(BEHAVIOURS)
  base = peer.base
})

after(async () => {
  await peer.close()
})

const attempt = (path: string) =>
  deliverCallbackAttempt({ url: `${base}${path}`, body: '{"status":true}', contentType: 'application/json', apiKey: 'k'.repeat(32), requestId: 'r1', userAgent: 'moodle-bridge/test', totalTimeoutMs: 10_000 })

describe('deliverCallbackAttempt against hostile panels', () => {
  it('keeps the status of a 8 MiB HTTP/1.0 answer closed after its body, reading only a snippet', async () => {
    for (let i = 0; i < 5; i++) {
      const result = await attempt('/http10-big')
      assert.equal(result.outcome, 'accepted')
      assert.equal(result.status, 200)
      assert.equal(result.responseBody?.length, RESPONSE_SNIPPET_BYTES)
    }
  })

  it('keeps the status of an answer cut short', async () => {
    assert.equal((await attempt('/truncated')).outcome, 'accepted')
  })

  it('keeps the status of an answer reset mid-body', async () => {
    const reset = await attempt('/reset')
    assert.equal(reset.outcome, 'retry')
    assert.equal(reset.status, 500)
  })

  it('retries after garbage or an answer whose body never comes', async () => {
    const garbage = await attempt('/garbage')
    assert.equal(garbage.outcome, 'retry')
    assert.equal(garbage.status, null)
    const busy = await attempt('/headers-then-close')
    assert.equal(busy.outcome, 'retry')
    assert.equal(busy.status, 503)
    assert.equal(busy.retryAfterMs, 5000)
  })
})
