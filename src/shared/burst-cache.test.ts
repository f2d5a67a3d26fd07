import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BurstCache } from './burst-cache.ts'

describe('BurstCache', () => {
  it('reuses a value for the TTL, serves it stale while refreshing, and waits once it is too old', async () => {
    let now = 0
    let reads = 0
    const cache = new BurstCache<number>(250, 10, 1000, () => now)
    const read = async () => ++reads
    assert.equal(await cache.get('k', read), 1)
    now = 200
    assert.equal(await cache.get('k', read), 1, 'fresh: no read')
    now = 500
    assert.equal(await cache.get('k', read), 1, 'stale: the old value, a refresh starts')
    await new Promise((r) => setImmediate(r))
    assert.equal(reads, 2)
    assert.equal(await cache.get('k', read), 2, 'the refreshed value')
    now = 5000
    assert.equal(await cache.get('k', read), 3, 'too old: waits for a fresh read')
  })

  it('lets concurrent callers share one read, keeps keys apart and forgets failures', async () => {
    let reads = 0
    const cache = new BurstCache<string>(250, 2)
    const slow = (v: string) => async () => {
      reads++
      await new Promise((r) => setTimeout(r, 20))
      return v
    }
    const [a, b] = await Promise.all([cache.get('a', slow('A')), cache.get('a', slow('other'))])
    assert.deepEqual([a, b, reads], ['A', 'A', 1])
    assert.equal(await cache.get('b', slow('B')), 'B')
    await assert.rejects(cache.get('c', async () => Promise.reject(new Error('db down'))), /db down/)
    assert.equal(await cache.get('c', async () => 'C'), 'C', 'a failure is not cached')
    assert.equal(await cache.get('a', async () => 'A2'), 'A2', 'bounded: the least recently used entry went')
  })

  it('counts a value\'s age from when its read started, not when it ended', async () => {
    let now = 0
    const cache = new BurstCache<number>(1000, 1, 1000, () => now)
    assert.equal(await cache.get('k', async () => { now = 900; return 1 }), 1)
    now = 1000
    assert.equal(await cache.get('k', async () => 2), 2, 'a read that took 900 ms leaves 100 ms of reuse')
  })
})
