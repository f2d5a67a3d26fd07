import { countCoursesAndCategories, listCategories, listCourses } from '../../moodle/index.ts'
import { burstCacheOf } from '../../shared/burst-cache.ts'
import { flag, ok, type EndpointContext, type EndpointHandler } from '../context.ts'

/** GET /courses: counts, and with flags the categories and courses (§4.15). */
export const courses: EndpointHandler = async (ctx) => {
  const withCategories = flag(ctx, 'displaycategories')
  const withCourses = flag(ctx, 'displaycourses')
  return ok(await burstCacheOf<object>(ctx.deps.moodle, 'courses', ctx.deps.moodle.reuseMs).get(`${withCategories}:${withCourses}`, () => readCourses(ctx, withCategories, withCourses)))
}

async function readCourses(ctx: EndpointContext, withCategories: boolean, withCourses: boolean): Promise<object> {
  const [counts, categories, list] = await Promise.all([
    countCoursesAndCategories(ctx.deps.moodle),
    withCategories ? listCategories(ctx.deps.moodle) : undefined,
    withCourses ? listCourses(ctx.deps.moodle) : undefined,
  ])
  return {
    number_of_categories: counts.categories,
    number_of_courses: counts.courses,
    ...(categories && {
      categories: categories.map((c) => ({ id: c.id, parent: c.parent, name: c.name, sort: c.sortorder, path: c.path, depth: c.depth })),
    }),
    ...(list && { courses: list.map((c) => ({ id: c.id, category: c.categoryId, name: c.fullname })) }),
  }
}
