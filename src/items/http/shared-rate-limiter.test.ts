/**
 * Items API budgets counted over instances (items-api.md §4.8, issue #8 point 4): two processes'
 * limiters on two connections of one store, on PostgreSQL and MariaDB.
 */
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { createScratchStoreDb, scratchEngines, type ScratchStoreDb } from '../../../test/support/scratch-stores.ts'
import type { Store } from '../../store/index.ts'
import { SharedRateCounts } from './shared-rate-limiter.ts'

const MINUTE = 60_000

for (const engine of scratchEngines()) {
  describe(`Items API budgets shared through a ${engine.name} store`, { skip: engine.skip }, () => {
    let db: ScratchStoreDb
    let storeA: Store
    let storeB: Store
    let now: number
    let errors: unknown[]
    let countsA: SharedRateCounts
    let countsB: SharedRateCounts

    before(async () => {
      db = await createScratchStoreDb(engine.name, 'rate_counts')
      storeA = await db.open()
      storeB = await db.open()
      now = Math.floor(Date.now() / MINUTE) * MINUTE + 1000 // one second into a window: no roll-over unless the test moves the clock
      errors = []
      const options = { nowMs: () => now, onError: (e: unknown) => errors.push(e), purgeMs: 10 * MINUTE }
      countsA = new SharedRateCounts(storeA, options)
      countsB = new SharedRateCounts(storeB, options)
    })
    after(async () => {
      await countsA?.stop()
      await countsB?.stop()
      await storeA?.close()
      await storeB?.close()
      await db?.drop()
    })

    it('checks the budget against both instances\' counts as of the last exchange', async () => {
      const a = countsA.limiter('school-a', 'ip', 10, MINUTE)
      const b = countsB.limiter('school-a', 'ip', 10, MINUTE)
      for (let i = 0; i < 6; i++) assert.equal(a.hit('192.0.2.1').ok, true)
      for (let i = 0; i < 3; i++) assert.equal(b.hit('192.0.2.1').ok, true)
      await countsA.sync()
      await countsB.sync()
      assert.deepEqual(b.hit('192.0.2.1'), { ok: true, limit: 10, remaining: 0, resetS: 59 }, 'four here and six there')
      assert.equal(b.hit('192.0.2.1').ok, false, 'the eleventh request of the window')
      assert.equal(a.hit('192.0.2.1').remaining, 3, 'A has not heard of B yet: seven of its own')
      await countsB.sync()
      await countsA.sync()
      assert.deepEqual(a.hit('192.0.2.1'), { ok: false, limit: 10, remaining: 0, resetS: 59 }, 'eight here and five there')
      assert.deepEqual(errors, [])
    })

    it('keeps sites, budgets and windows apart', async () => {
      const aSite = countsA.limiter('school-b', 'ip', 10, MINUTE)
      const aUser = countsA.limiter('school-a', 'user', 10, MINUTE)
      const b = countsB.limiter('school-a', 'ip', 10, MINUTE)
      const firstWindow = now - 1000
      await countsA.sync()
      assert.equal(aSite.hit('192.0.2.1').remaining, 9, "another site's budget for the same address")
      assert.equal(aUser.hit('192.0.2.1').remaining, 9, 'another budget of the same site')
      now += MINUTE
      await countsA.sync()
      await countsB.sync()
      assert.deepEqual(b.hit('192.0.2.1'), { ok: true, limit: 10, remaining: 9, resetS: 59 }, 'a new window starts from nothing')
      await countsA.sync()
      const rows = await storeA.db.selectFrom('store_rate_counts').select(['site', 'bucket', 'hits', 'window_start_ms']).execute()
      const first = rows.find((r) => Number(r.window_start_ms) === firstWindow && r.site === 'school-a' && r.bucket === 'ip')
      assert.equal(Number(first?.hits), 13, "the first window's total: A's eight requests and B's five, refused ones included")
      now += 10 * MINUTE
      await countsA.sync() // the purge is due: every window above is over
      assert.deepEqual(await storeA.db.selectFrom('store_rate_counts').select('site').execute(), [])
    })

    it('learns the other instance\'s counts through its own timer', async () => {
      const base = Math.floor(Date.now() / 3_600_000) * 3_600_000 + 1000
      const t0 = Date.now()
      const clock = () => base + (Date.now() - t0)
      const one = new SharedRateCounts(storeA, { nowMs: clock, periodMs: 200 })
      const two = new SharedRateCounts(storeB, { nowMs: clock, periodMs: 200 })
      const a = one.limiter('school-t', 'user', 1000, 3_600_000)
      const b = two.limiter('school-t', 'user', 1000, 3_600_000)
      one.start()
      two.start()
      try {
        for (let i = 0; i < 1000; i++) a.hit('42')
        let hits = 0
        while (b.hit('42').ok) {
          hits++
          assert.ok(hits < 500, 'the other instance\'s thousand requests never showed')
          await sleep(20)
        }
      } finally {
        await one.stop()
        await two.stop()
      }
    })
  })
}
