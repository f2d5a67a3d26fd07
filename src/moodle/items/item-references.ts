import type { Kysely } from 'kysely'
import type { Moodle } from '../moodle.ts'
import { dbInt } from '../../shared/db-integer.ts'

/** Moodle record kinds an item may refer to (`x-moodle-ref`, items-api.md §14.3). */
export type MoodleRefKind = 'context' | 'course' | 'course_category' | 'cohort' | 'user'

const TABLES: Record<MoodleRefKind, string> = {
  context: 'mdl_context',
  course: 'mdl_course',
  course_category: 'mdl_course_categories',
  cohort: 'mdl_cohort',
  user: 'mdl_user',
}

/** Which of `ids` exist as rows of the kind's table (users: not deleted); one query. */
export async function existingMoodleIds(moodle: Moodle, kind: MoodleRefKind, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set()
  const db = moodle.db as unknown as Kysely<Record<string, { id: number | string; deleted: number }>>
  let query = db.selectFrom(TABLES[kind]).select('id').where('id', 'in', [...new Set(ids)])
  if (kind === 'user') query = query.where('deleted', '=', 0)
  const rows = await query.execute()
  return new Set(rows.map((r) => dbInt(r.id)))
}
