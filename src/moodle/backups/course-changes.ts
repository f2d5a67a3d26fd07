import type { Moodle } from '../moodle.ts'
import { dbInt } from '../../shared/db-integer.ts'

/**
 * Per existing course, its change marker (moopanel-api.md §5.10): the largest of the course's
 * `timemodified`, its `cacherev` (moved by Moodle on every content or structure change) and the
 * latest `timemodified` of its grade items. Courses that do not exist (or the front page) are absent.
 */
export async function readCourseChangeMarkers(moodle: Moodle, courseIds: readonly number[]): Promise<Map<number, number>> {
  if (courseIds.length === 0) return new Map()
  const [courses, grades] = await Promise.all([
    moodle.db.selectFrom('mdl_course').select(['id', 'timemodified', 'cacherev']).where('id', 'in', courseIds).where('category', '<>', 0).execute(),
    moodle.db
      .selectFrom('mdl_grade_items')
      .select((eb) => ['courseid', eb.fn.max('timemodified').as('latest')])
      .where('courseid', 'in', courseIds)
      .groupBy('courseid')
      .execute(),
  ])
  const gradeLatest = new Map(grades.map((g) => [dbInt(g.courseid), dbInt(g.latest)]))
  return new Map(courses.map((c) => [dbInt(c.id), Math.max(dbInt(c.timemodified), dbInt(c.cacherev), gradeLatest.get(dbInt(c.id)) ?? 0)]))
}
