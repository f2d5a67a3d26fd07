import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { retryDelayMs } from './retry-delay.ts'

describe('retryDelayMs', () => {
  const backoff = { baseMs: 1_000, maxMs: 10_000 }

  it('doubles the delay after each failed attempt, up to the cap', () => {
    const middle = () => 0.5
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, backoff, middle)), [1_000, 2_000, 4_000, 8_000, 10_000, 10_000])
  })

  it('adds ±20 % jitter', () => {
    assert.equal(retryDelayMs(2, backoff, () => 0), 1_600)
    assert.equal(retryDelayMs(2, backoff, () => 0.999999), 2_400)
  })
})
