import { sql } from 'kysely'
import { storeDdl, type Store } from '../store/index.ts'

/** The claim's index for many sites in one store: a site's runnable jobs in time order. */
const SITE_CLAIM_INDEX = { name: 'jobs_site_claim_ix', columns: ['site', 'state', 'run_after_ms'] }

/**
 * The migration step for many sites in one store (issue #8, docs/sites.md "Jobs across sites"):
 * `<prefix>jobs.site` (the sites-file id, '' for a single-site service: every row of an earlier
 * build) and its index. Idempotency records need no column: the site is folded into the key's
 * hash (find-idempotent-jobs.ts). Site lock rows are created on demand (site-lock.ts). Idempotent,
 * and harmless when several processes start at once (a lost race on the index is ignored).
 */
export async function migrateQueueSites(store: Store): Promise<void> {
  const { table: t, id, pg, addColumnIfMissing } = storeDdl(store)
  await addColumnIfMissing('jobs', 'site', sql`VARCHAR(63) NOT NULL DEFAULT ''`)
  const columns = sql.join(SITE_CLAIM_INDEX.columns.map((c) => sql.ref(c)))
  if (pg) {
    await sql`CREATE INDEX IF NOT EXISTS ${id(SITE_CLAIM_INDEX.name)} ON ${t('jobs')} (${columns})`.execute(store.db)
    return
  }
  const found = await sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM information_schema.statistics
    WHERE table_schema = DATABASE() AND table_name = ${`${store.prefix}jobs`} AND index_name = ${`${store.prefix}${SITE_CLAIM_INDEX.name}`}`.execute(store.db)
  if (Number(found.rows[0]?.n ?? 0) > 0) return
  try {
    await sql`CREATE INDEX ${id(SITE_CLAIM_INDEX.name)} ON ${t('jobs')} (${columns})`.execute(store.db)
  } catch (error) {
    // ER_DUP_KEYNAME: another process created it meanwhile.
    if ((error as { errno?: number }).errno !== 1061) throw error
  }
}
