/**
 * The lock-out shared by instances (moopanel-api.md §3.4, issue #8 point 4): two processes' Lockouts
 * on two connections of one store, on PostgreSQL and MariaDB.
 */
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { createScratchStoreDb, scratchEngines, type ScratchStoreDb } from '../../test/support/scratch-stores.ts'
import { purgeAuthFailures, type Store } from '../store/index.ts'
import { SharedLockouts } from './shared-lockouts.ts'

const RULE = { threshold: 4, windowS: 60, durationS: 120 }

for (const engine of scratchEngines()) {
  describe(`the lock-out shared through a ${engine.name} store`, { skip: engine.skip }, () => {
    let db: ScratchStoreDb
    let storeA: Store
    let storeB: Store
    let errors: unknown[]
    let sharedA: SharedLockouts
    let sharedB: SharedLockouts

    before(async () => {
      db = await createScratchStoreDb(engine.name, 'lockouts')
      storeA = await db.open()
      storeB = await db.open()
      errors = []
      sharedA = new SharedLockouts(storeA, { onError: (e) => errors.push(e) })
      sharedB = new SharedLockouts(storeB, { onError: (e) => errors.push(e) })
    })
    after(async () => {
      await sharedA?.stop()
      await sharedB?.stop()
      await storeA?.close()
      await storeB?.close()
      await db?.drop()
    })

    it('locks at the threshold counted over both instances, where it is reached, and the other learns it at its next poll', async () => {
      const a = sharedA.lockoutFor('school-a', RULE)
      const b = sharedB.lockoutFor('school-a', RULE)
      const otherSiteOnA = sharedA.lockoutFor('school-b', RULE)
      await a.recordFailure('192.0.2.1')
      await b.recordFailure('192.0.2.1')
      await a.recordFailure('192.0.2.1')
      assert.deepEqual([a.retryAfter('192.0.2.1'), b.retryAfter('192.0.2.1')], [0, 0], 'three of four failures')
      await b.recordFailure('192.0.2.1')
      assert.equal(b.retryAfter('192.0.2.1'), 120, 'the fourth failure locks at once where it happened')
      assert.equal(a.retryAfter('192.0.2.1'), 0, 'the other instance has not polled yet')
      await sharedA.poll()
      assert.ok(a.retryAfter('192.0.2.1') >= 119, 'and is locked after its poll')
      assert.equal(otherSiteOnA.retryAfter('192.0.2.1'), 0, 'the same address on another site is not locked')
      assert.equal(a.retryAfter('192.0.2.2'), 0, 'nor another address')
      assert.deepEqual(errors, [])
    })

    it('keeps the failures of the same address on two sites apart', async () => {
      const a = sharedA.lockoutFor('site-1', RULE)
      const b = sharedB.lockoutFor('site-2', RULE)
      for (let i = 0; i < 3; i++) {
        await a.recordFailure('198.51.100.7')
        await b.recordFailure('198.51.100.7')
      }
      await Promise.all([sharedA.poll(), sharedB.poll()])
      assert.deepEqual([a.retryAfter('198.51.100.7'), b.retryAfter('198.51.100.7')], [0, 0], 'three failures on each site: neither reaches four')
      await b.recordFailure('198.51.100.7')
      await sharedA.poll()
      assert.deepEqual([a.retryAfter('198.51.100.7'), b.retryAfter('198.51.100.7') > 0], [0, true])
    })

    it('forgets the failures of every instance after a success on any of them', async () => {
      const a = sharedA.lockoutFor('school-c', RULE)
      const b = sharedB.lockoutFor('school-c', RULE)
      for (let i = 0; i < 3; i++) await a.recordFailure('203.0.113.9')
      await b.recordSuccess('203.0.113.9')
      await b.recordFailure('203.0.113.9')
      await a.recordSuccess('203.0.113.9')
      await a.recordFailure('203.0.113.9')
      await b.recordFailure('203.0.113.9')
      await a.recordFailure('203.0.113.9')
      await Promise.all([sharedA.poll(), sharedB.poll()])
      assert.deepEqual([a.retryAfter('203.0.113.9'), b.retryAfter('203.0.113.9')], [0, 0], 'three failures since the last success')
      await b.recordFailure('203.0.113.9')
      assert.ok(b.retryAfter('203.0.113.9') > 0)
    })

    it('learns a lock-out through its own poller within the period, and the purge removes what expired', async () => {
      const a = sharedA.lockoutFor('school-d', RULE)
      const b = sharedB.lockoutFor('school-d', RULE)
      sharedA.start()
      for (let i = 0; i < 4; i++) await b.recordFailure('192.0.2.50')
      const deadline = Date.now() + 15_000
      while (a.retryAfter('192.0.2.50') === 0) {
        assert.ok(Date.now() < deadline, 'the poller never reported the lock-out')
        await sleep(50)
      }
      await sharedA.stop()
      const purged = await purgeAuthFailures(storeA, { nowMs: Date.now() + 3_600_000 })
      assert.ok(purged >= 4, `every row has expired an hour later (${purged})`)
      const left = await storeA.db.selectFrom('store_auth_failures').select('address').execute()
      assert.deepEqual(left, [])
    })

    it('keeps counting in memory when the store cannot be reached', async () => {
      const gone = await db.open()
      const shared = new SharedLockouts(gone, { onError: (e) => errors.push(e) })
      const lockout = shared.lockoutFor('school-e', RULE)
      await gone.close()
      errors.length = 0
      for (let i = 0; i < 4; i++) await lockout.recordFailure('192.0.2.99')
      assert.equal(lockout.retryAfter('192.0.2.99'), 120)
      await shared.poll()
      assert.ok(errors.length >= 4, 'each failed write and the poll are reported')
    })
  })
}
