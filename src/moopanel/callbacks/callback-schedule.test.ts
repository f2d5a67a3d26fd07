import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CallbackPacer, isAbandoned, nextCallbackDelayMs, parseRetryAfterMs } from './callback-schedule.ts'

/** A seeded generator (mulberry32) so that jitter tests are repeatable. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('nextCallbackDelayMs', () => {
  const middle = () => 0.5

  it('starts at 10 s and doubles up to 1 h', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 50, 10_000].map((n) => nextCallbackDelayMs(n, { random: middle }))
    assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000, 1_280_000, 2_560_000, 3_600_000, 3_600_000, 3_600_000])
  })

  it('keeps jitter within ±20 % and never exceeds 1 h', () => {
    const random = seeded(42)
    for (let attempt = 1; attempt <= 20; attempt++) {
      const base = Math.min(3_600_000, 10_000 * 2 ** (attempt - 1))
      for (let i = 0; i < 200; i++) {
        const delay = nextCallbackDelayMs(attempt, { random })
        assert.ok(delay >= base * 0.8 && delay <= Math.min(base * 1.2, 3_600_000), `attempt ${attempt}: ${delay}`)
      }
    }
    assert.equal(nextCallbackDelayMs(1, { random: () => 0 }), 8_000)
    assert.equal(nextCallbackDelayMs(1, { random: () => 0.999999 }), 12_000)
  })

  it('actually spreads the delays (seeded)', () => {
    const random = seeded(7)
    const delays = new Set(Array.from({ length: 50 }, () => nextCallbackDelayMs(3, { random })))
    assert.ok(delays.size > 40)
  })

  it('waits at least Retry-After, capped at 1 h', () => {
    assert.equal(nextCallbackDelayMs(1, { random: middle, retryAfterMs: 120_000 }), 120_000)
    assert.equal(nextCallbackDelayMs(8, { random: middle, retryAfterMs: 120_000 }), 1_280_000)
    assert.equal(nextCallbackDelayMs(1, { random: middle, retryAfterMs: 86_400_000 }), 3_600_000)
    assert.equal(nextCallbackDelayMs(1, { random: middle, retryAfterMs: null }), 10_000)
  })
})

describe('isAbandoned', () => {
  it('gives up exactly max age after the first attempt', () => {
    const first = 1_000_000
    assert.equal(isAbandoned(first, first, 86_400), false)
    assert.equal(isAbandoned(first, first + 86_400_000 - 1, 86_400), false)
    assert.equal(isAbandoned(first, first + 86_400_000, 86_400), true)
  })
})

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-11-22T09:15:00Z')

  it('reads delta seconds and HTTP dates, capped at 1 h', () => {
    assert.equal(parseRetryAfterMs('15', now), 15_000)
    assert.equal(parseRetryAfterMs(['30', '40'], now), 30_000)
    assert.equal(parseRetryAfterMs('7200', now), 3_600_000)
    assert.equal(parseRetryAfterMs('Sun, 22 Nov 2026 09:16:30 GMT', now), 90_000)
    assert.equal(parseRetryAfterMs('Sun, 22 Nov 2026 12:00:00 GMT', now), 3_600_000)
    assert.equal(parseRetryAfterMs('Sun, 22 Nov 2026 09:00:00 GMT', now), 0)
  })

  it('ignores absent or unreadable values', () => {
    for (const value of [undefined, '', '1.5', '-3', 'soon', 'Mon, 99 Foo 2026 GMT']) assert.equal(parseRetryAfterMs(value, now), null, String(value))
  })
})

describe('CallbackPacer', () => {
  it('lets N requests through per minute, then says how long to wait', () => {
    let now = 0
    const pacer = new CallbackPacer(3, () => now)
    for (const t of [0, 1_000, 2_000]) {
      now = t
      assert.equal(pacer.waitMs(), 0)
      pacer.recordSend()
    }
    now = 2_500
    assert.equal(pacer.waitMs(), 57_500)
    now = 60_000
    assert.equal(pacer.waitMs(), 0)
    pacer.recordSend()
    assert.equal(pacer.waitMs(), 1_000)
  })

  it('never lets more than N requests into any 60-second window', () => {
    let now = 0
    const pacer = new CallbackPacer(30, () => now)
    const sent: number[] = []
    const random = seeded(1)
    while (sent.length < 300) {
      now += pacer.waitMs() + Math.floor(random() * 500)
      if (pacer.waitMs() === 0) {
        pacer.recordSend()
        sent.push(now)
      }
    }
    for (let i = 30; i < sent.length; i++) assert.ok(sent[i]! - sent[i - 30]! >= 60_000, `window at ${i}`)
    assert.ok(sent.at(-1)! < 11 * 60_000, 'and does not slow down more than needed')
  })

  it('refuses a rate below 1', () => {
    assert.throws(() => new CallbackPacer(0), RangeError)
  })
})
