import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createRandom, deriveSeed } from './random.ts'

describe('createRandom', () => {
  it('repeats the same sequence for the same seed', () => {
    const a = createRandom(123)
    const b = createRandom(123)
    const draws = (r: typeof a) => [r.next(), r.int(1, 6), r.string(8, 'abc'), r.hex(6), r.pick(['x', 'y', 'z'])]
    assert.deepEqual(draws(a), draws(b))
    assert.notDeepEqual(draws(createRandom(124)), draws(createRandom(123)))
  })

  it('stays within the requested ranges', () => {
    const r = createRandom(1)
    for (let i = 0; i < 2000; i++) {
      const n = r.int(-3, 3)
      assert.ok(Number.isInteger(n) && n >= -3 && n <= 3)
      const u = r.next()
      assert.ok(u >= 0 && u < 1)
      const k = r.indexSkewed(5, 1.2)
      assert.ok(Number.isInteger(k) && k >= 0 && k < 5)
    }
    assert.match(r.hex(40), /^[0-9a-f]{40}$/)
  })

  it('favours the first elements when skewed and follows weights', () => {
    const r = createRandom(9)
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < 4000; i++) {
      const k = r.indexSkewed(4, 1)
      counts[k] = (counts[k] ?? 0) + 1
    }
    assert.ok((counts[0] ?? 0) > (counts[3] ?? 0))
    let heavy = 0
    for (let i = 0; i < 1000; i++) if (r.pickWeighted(['a', 'b'], (x) => (x === 'a' ? 9 : 1)) === 'a') heavy++
    assert.ok(heavy > 800 && heavy < 980, `heavy: ${heavy}`)
  })

  it('derives different, stable seeds per label', () => {
    assert.equal(deriveSeed(5, 'users'), deriveSeed(5, 'users'))
    assert.notEqual(deriveSeed(5, 'users'), deriveSeed(5, 'courses'))
    assert.notEqual(deriveSeed(5, 'users'), deriveSeed(6, 'users'))
  })
})
