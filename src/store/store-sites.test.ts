/**
 * The store's own tables carry a site (issue #8 point 3): stores of earlier builds are upgraded in
 * place (rows kept as site ''), also by two processes at once, and every query keeps to its view's site.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { eraseJobSecret, openJobSecret, purgeJobSecrets, sealJobSecret } from '../moopanel/jobs/job-secrets.ts'
import { createScratchStoreDb, scratchEngines, type ScratchStoreDb } from '../../test/support/scratch-stores.ts'
import { appendAudit, purgeAudit } from './append-audit.ts'
import { readLastAutoBackups, recordAutoBackup } from './course-backup-records.ts'
import type { Store } from './store.ts'
import { readStoreSetting, writeStoreSetting } from './store-settings.ts'

/** The three tables as builds before sites created them, with a row each. */
async function createEarlierTables(store: Store): Promise<void> {
  const pg = store.family === 'postgres'
  const text = pg ? sql`TEXT` : sql`LONGTEXT`
  const tail = pg ? sql`` : sql`ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`
  const t = (name: string) => sql.table(`old_${name}`)
  await sql`CREATE TABLE ${t('settings')} (name VARCHAR(100) NOT NULL PRIMARY KEY, value ${text} NOT NULL) ${tail}`.execute(store.db)
  await sql`CREATE TABLE ${t('course_backups')} (course_id BIGINT NOT NULL PRIMARY KEY, last_auto_backup_at BIGINT NOT NULL) ${tail}`.execute(store.db)
  await sql`CREATE TABLE ${t('audit')} (
    id ${pg ? sql`BIGSERIAL PRIMARY KEY` : sql`BIGINT AUTO_INCREMENT PRIMARY KEY`}, created_at BIGINT NOT NULL, request_id VARCHAR(128) NOT NULL,
    source_ip VARCHAR(64) NOT NULL, key_prefix VARCHAR(8) NOT NULL, method VARCHAR(10) NOT NULL, path VARCHAR(1024) NOT NULL,
    query ${text} NOT NULL, status INTEGER NOT NULL, duration_ms INTEGER NOT NULL, job_ids VARCHAR(255) NOT NULL,
    replay SMALLINT NOT NULL, payload ${text}) ${tail}`.execute(store.db)
  await sql`INSERT INTO ${t('settings')} (name, value) VALUES ('moopanel.api_enabled', '1')`.execute(store.db)
  await sql`INSERT INTO ${t('course_backups')} (course_id, last_auto_backup_at) VALUES (7, 1700000000)`.execute(store.db)
  await sql`INSERT INTO ${t('audit')} (created_at, request_id, source_ip, key_prefix, method, path, query, status, duration_ms, job_ids, replay)
    VALUES (1000, 'r', '127.0.0.1', 'none', 'POST', '/x', '', 200, 1, '', 0)`.execute(store.db)
}

const record = (atMs: number) => ({
  at: new Date(atMs), requestId: 'r', sourceIp: '192.0.2.1', keyPrefix: 'abcd1234', method: 'POST', path: '/x', query: '',
  status: 200, durationMs: 1, jobIds: [], replay: false, payload: null,
})

for (const engine of scratchEngines()) {
  describe(`the store's tables per site on ${engine.name}`, { skip: engine.skip }, () => {
    let db: ScratchStoreDb
    let store: Store

    before(async () => {
      db = await createScratchStoreDb(engine.name, 'store_sites')
      store = await db.open()
    })
    after(async () => {
      await store?.close()
      await db?.drop()
    })

    it('upgrades the tables of an earlier build in place, with two processes opening it at once', async () => {
      await createEarlierTables(store)
      const [one, two] = await Promise.all([db.open({ prefix: 'old_' }), db.open({ prefix: 'old_', site: 'school-a' })])
      try {
        const legacy = one
        assert.equal(await readStoreSetting(legacy, 'moopanel.api_enabled'), '1', "an earlier row is the single site's ('')")
        assert.equal(await readStoreSetting(two, 'moopanel.api_enabled'), null, 'and no other site sees it')
        assert.deepEqual([...(await readLastAutoBackups(legacy, [7]))], [[7, 1700000000]])
        assert.equal((await readLastAutoBackups(two, [7])).size, 0)
        await writeStoreSetting(two, 'moopanel.api_enabled', '0')
        await recordAutoBackup(two, 7, 1800000000)
        assert.equal(await readStoreSetting(legacy, 'moopanel.api_enabled'), '1', 'the same name on two sites: the key is (site, name)')
        assert.deepEqual([...(await readLastAutoBackups(legacy, [7]))], [[7, 1700000000]])
        assert.deepEqual([...(await readLastAutoBackups(two, [7]))], [[7, 1800000000]])
        await assert.rejects(
          one.db.insertInto('store_settings').values({ site: 'school-a', name: 'moopanel.api_enabled', value: 'x' }).execute(),
          'a setting is still unique within its site',
        )
        assert.equal(await purgeAudit(two, { retentionDays: 1, nowMs: 10_000_000 }), 0, "another site's purge leaves the earlier audit row")
        assert.equal(await purgeAudit(legacy, { retentionDays: 1, nowMs: 100_000_000 }), 1)
        const again = await db.open({ prefix: 'old_' }) // an up-to-date store: nothing to change
        await again.close()
      } finally {
        await one.close()
        await two.close()
      }
    })

    it('keeps settings, backup records, audit records and job secrets of two sites apart on one connection', async () => {
      const a = store.forSite('school-a')
      const b = store.forSite('school-b')
      await writeStoreSetting(a, 'x', 'a')
      await writeStoreSetting(b, 'x', 'b')
      assert.deepEqual([await readStoreSetting(a, 'x'), await readStoreSetting(b, 'x'), await readStoreSetting(store, 'x')], ['a', 'b', null])
      await writeStoreSetting(a, 'x', null)
      assert.deepEqual([await readStoreSetting(a, 'x'), await readStoreSetting(b, 'x')], [null, 'b'])

      await recordAutoBackup(a, 3, 100)
      await recordAutoBackup(b, 3, 200)
      await recordAutoBackup(a, 3, 300)
      assert.deepEqual([...(await readLastAutoBackups(a, [3]))], [[3, 300]])
      assert.deepEqual([...(await readLastAutoBackups(b, [3]))], [[3, 200]])

      const now = Date.UTC(2026, 11, 1)
      await appendAudit(a, record(now - 200 * 86_400_000))
      await appendAudit(b, record(now - 200 * 86_400_000))
      assert.equal(await purgeAudit(a, { retentionDays: 180, nowMs: now }), 1)
      const left = await store.db.selectFrom('store_audit').select('site').where('site', 'in', ['school-a', 'school-b']).execute()
      assert.deepEqual(left.map((r) => r.site), ['school-b'])

      const tokenA = await sealJobSecret(a, 'secret a', 5_000)
      const tokenB = await sealJobSecret(b, 'secret b', 5_000)
      assert.equal(await openJobSecret(b, tokenA), null, "a site cannot open another site's secret")
      assert.equal(await purgeJobSecrets(a, 10_000), 1)
      assert.equal(await openJobSecret(b, tokenB), 'secret b', "a site's purge keeps the others' keys")
      await eraseJobSecret(b, tokenB)
      assert.equal(await openJobSecret(b, tokenB), null)
    })
  })
}
