import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PGlite } from '@electric-sql/pglite'
import { createDialect } from '../moodle/index.ts'
import { appendAudit, purgeAudit, redact } from './append-audit.ts'
import { openStore } from './open-store.ts'

describe('audit records', () => {
  it('are appended with redacted payloads and purged after the retention', async () => {
    const pglite = new PGlite()
    const store = await openStore({ dialect: createDialect({ driver: 'pglite', pglite }), family: 'postgres', prefix: 'mb_', ownsConnection: true })
    const record = (at: number) => ({
      at: new Date(at), requestId: 'r', sourceIp: '127.0.0.1', keyPrefix: 'abcd1234', method: 'POST', path: '/x', query: '',
      status: 200, durationMs: 1, jobIds: [1], replay: false, payload: redact({ password: 'p', nested: { token: 't', ok: 1 } }),
    })
    const now = Date.UTC(2026, 10, 22)
    await appendAudit(store, record(now - 200 * 86_400_000))
    await appendAudit(store, record(now - 1000))
    const rows = await store.db.selectFrom('store_audit').select(['payload', 'created_at']).orderBy('id').execute()
    assert.deepEqual(JSON.parse(rows[1]!.payload!), { password: '[redacted]', nested: { token: '[redacted]', ok: 1 } })
    assert.equal(await purgeAudit(store, { retentionDays: 180, nowMs: now }), 1)
    assert.equal((await store.db.selectFrom('store_audit').select('id').execute()).length, 1)
    await store.close()
    await pglite.close()
  })
})
