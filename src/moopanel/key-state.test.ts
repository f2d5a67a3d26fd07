/** Each site of a shared store keeps its own API switch, key fingerprint and expiry (issue #8 point 2). */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createScratchStoreDb, scratchEngines, type ScratchStoreDb } from '../../test/support/scratch-stores.ts'
import type { Store } from '../store/index.ts'
import { KeyState, setApiSwitch, storeNewKey } from './key-state.ts'

const KEY_A = 'key-of-school-a-0123456789abcdefghijklmnop'
const KEY_B = 'key-of-school-b-0123456789abcdefghijklmnop'

for (const engine of scratchEngines()) {
  describe(`key state per site on ${engine.name}`, { skip: engine.skip }, () => {
    let db: ScratchStoreDb
    let store: Store
    let other: Store

    before(async () => {
      db = await createScratchStoreDb(engine.name, 'key_state')
      store = await db.open()
      other = await db.open() // another instance, as the CLI is
    })
    after(async () => {
      await store?.close()
      await other?.close()
      await db?.drop()
    })

    it('holds each site\'s key apart, and operator commands change one site only', async () => {
      let now = 1_000_000
      const a = new KeyState(store.forSite('school-a'), () => now)
      const b = new KeyState(store.forSite('school-b'), () => now)
      const single = new KeyState(store, () => now)
      await a.applyConfig({ apiKey: KEY_A })
      await b.applyConfig({ apiKey: KEY_B })
      await single.applyConfig({})
      assert.deepEqual([a.apiEnabled, b.apiEnabled, single.apiEnabled], [true, true, false])
      assert.deepEqual([a.matches(Buffer.from(KEY_A)), a.matches(Buffer.from(KEY_B)), b.matches(Buffer.from(KEY_B)), b.matches(Buffer.from(KEY_A))], [true, false, true, false])
      await a.setExpiry(5)
      assert.deepEqual([a.isExpired(), b.isExpired(), b.expiresAt], [true, false, null])

      await setApiSwitch(other.forSite('school-b'), false)
      await storeNewKey(other, 'the-single-site-key-0123456789abcdefghij', null)
      now += 2_000
      await Promise.all([a.refresh(), b.refresh(), single.refresh()])
      assert.deepEqual([a.apiEnabled, b.apiEnabled, single.apiEnabled], [true, false, true])
      assert.equal(single.matches(Buffer.from(KEY_A)), false)
      assert.equal(a.fingerprintPrefix === b.fingerprintPrefix, false)
    })
  })
}
