import type { Moodle } from '../moodle.ts'
import { dbInt } from '../../shared/db-integer.ts'

export interface CourseCategory { id: number; parent: number; name: string; sortorder: number; path: string; depth: number }
export interface CourseSummary { id: number; categoryId: number; fullname: string }

/** Every course category, by `sortorder` then id (parents come before their children). */
export async function listCategories(moodle: Moodle): Promise<CourseCategory[]> {
  const rows = await moodle.db
    .selectFrom('mdl_course_categories')
    .select(['id', 'parent', 'name', 'sortorder', 'path', 'depth'])
    .orderBy('sortorder')
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: dbInt(r.id), parent: dbInt(r.parent), name: r.name, sortorder: dbInt(r.sortorder), path: r.path, depth: dbInt(r.depth),
  }))
}

/**
 * Courses other than the front page (`category = 0`), by id, left out when their category does not
 * exist (MooPanel rolls back a sync on unknown categories).
 */
export async function listCourses(moodle: Moodle): Promise<CourseSummary[]> {
  const rows = await moodle.db
    .selectFrom('mdl_course as c')
    .innerJoin('mdl_course_categories as cc', 'cc.id', 'c.category')
    .select(['c.id', 'c.category', 'c.fullname'])
    .where('c.category', '<>', 0)
    .orderBy('c.id')
    .execute()
  return rows.map((r) => ({ id: dbInt(r.id), categoryId: dbInt(r.category), fullname: r.fullname }))
}

/** Number of categories and of courses other than the front page (orphans included). */
export async function countCoursesAndCategories(moodle: Moodle): Promise<{ categories: number; courses: number }> {
  const [categories, courses] = await Promise.all([
    moodle.db.selectFrom('mdl_course_categories').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst(),
    moodle.db.selectFrom('mdl_course').where('category', '<>', 0).select((eb) => eb.fn.countAll().as('n')).executeTakeFirst(),
  ])
  return { categories: dbInt(categories?.n), courses: dbInt(courses?.n) }
}
