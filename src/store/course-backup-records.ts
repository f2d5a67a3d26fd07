import type { Store } from './open-store.ts'

/** Course id → start (Unix seconds) of its last successful automatic backup, on the view's site. */
export async function readLastAutoBackups(store: Store, courseIds: readonly number[]): Promise<Map<number, number>> {
  if (courseIds.length === 0) return new Map()
  const rows = await store.db
    .selectFrom('store_course_backups')
    .select(['course_id', 'last_auto_backup_at'])
    .where('site', '=', store.site)
    .where('course_id', 'in', courseIds)
    .execute()
  return new Map(rows.map((r) => [Number(r.course_id), Number(r.last_auto_backup_at)]))
}

/** Records the start of a successful automatic backup (delete + insert in one transaction: portable). */
export async function recordAutoBackup(store: Store, courseId: number, startedAtSec: number): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('store_course_backups').where('site', '=', store.site).where('course_id', '=', courseId).execute()
    await trx.insertInto('store_course_backups').values({ site: store.site, course_id: courseId, last_auto_backup_at: startedAtSec }).execute()
  })
}
