/** The wrong-key lock-out keeps its rule (§3.4) and stays bounded under address spraying. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Lockout } from './lockout.ts'

describe('lockout', () => {
  it('locks an address at the threshold within the window, for the duration', () => {
    let now = 1_000_000
    const lockout = new Lockout({ threshold: 3, windowS: 60, durationS: 120 }, () => now)
    lockout.recordFailure('a')
    now += 59_000
    lockout.recordFailure('a')
    now += 2_000 // the first failure has left the window
    lockout.recordFailure('a')
    assert.equal(lockout.retryAfter('a'), 0)
    lockout.recordFailure('a')
    assert.equal(lockout.retryAfter('a'), 120)
    now += 119_500
    assert.equal(lockout.retryAfter('a'), 1)
    now += 500
    assert.equal(lockout.retryAfter('a'), 0)
  })

  it('keeps at most maxTracked addresses and sweeps expired ones', () => {
    let now = 0
    const lockout = new Lockout({ threshold: 2, windowS: 10, durationS: 5, maxTracked: 100 }, () => now)
    for (let i = 0; i < 10_000; i++) lockout.recordFailure(`10.0.${i >> 8}.${i & 255}`)
    assert.deepEqual(lockout.tracked, { failures: 100, locked: 0 })
    lockout.recordFailure('victim')
    lockout.recordFailure('victim')
    assert.ok(lockout.retryAfter('victim') > 0, 'a recent address is still counted')
    now += 11_000
    lockout.recordFailure('late')
    assert.deepEqual(lockout.tracked, { failures: 1, locked: 0 }, 'failures older than the window and ended lock-outs are swept')
  })
})
