import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { PGlite } from '@electric-sql/pglite'
import { createDialect } from '../../moodle/index.ts'
import { openStore, type Store } from '../../store/index.ts'
import { eraseJobSecret, isJobSecretToken, openJobSecret, purgeJobSecrets, sealJobSecret } from './job-secrets.ts'

describe('job secrets', () => {
  let pglite: PGlite
  let store: Store
  before(async () => {
    pglite = new PGlite()
    store = await openStore({ dialect: createDialect({ driver: 'pglite', pglite }), family: 'postgres', prefix: 'mb_', ownsConnection: true })
  })
  after(async () => {
    await store.close()
    await pglite.close()
  })

  it('seals a secret into a token that reveals nothing and opens it again', async () => {
    const token = await sealJobSecret(store, 'pässword ✓', 1000)
    assert.ok(isJobSecretToken(token), token)
    assert.ok(!token.includes('pässword'))
    assert.equal(await openJobSecret(store, token), 'pässword ✓')
    const again = await sealJobSecret(store, 'pässword ✓', 1000)
    assert.notEqual(again, token, 'a fresh key and IV every time')
    assert.equal(await openJobSecret(store, await sealJobSecret(store, '', 1000)), '', 'the empty password too')
  })

  it('cannot open a token once its key is erased, and erasing twice is harmless', async () => {
    const token = await sealJobSecret(store, 'secret', 1000)
    await eraseJobSecret(store, token)
    await eraseJobSecret(store, token)
    assert.equal(await openJobSecret(store, token), null)
  })

  it('refuses altered and malformed tokens', async () => {
    const token = await sealJobSecret(store, 'secret', 1000)
    const [prefix, keyId, iv, data] = token.split('.') as [string, string, string, string]
    const flipped = Buffer.from(data, 'base64url')
    flipped[0]! ^= 1
    await assert.rejects(openJobSecret(store, [prefix, keyId, iv, flipped.toString('base64url')].join('.')))
    await assert.rejects(openJobSecret(store, 'secret'), TypeError)
    assert.equal(isJobSecretToken('js1.x.y.z'), false)
  })

  it('purges keys older than a cutoff and keeps the others', async () => {
    const old = await sealJobSecret(store, 'old', 5_000)
    const fresh = await sealJobSecret(store, 'fresh', 50_000)
    assert.ok((await purgeJobSecrets(store, 10_000)) >= 1)
    assert.equal(await openJobSecret(store, old), null)
    assert.equal(await openJobSecret(store, fresh), 'fresh')
  })
})
