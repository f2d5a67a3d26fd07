import type { BulkInsert } from './bulk-insert.ts'
import type { Catalogue } from './course-catalogue.ts'
import { SITE_COURSE_ID } from './course-catalogue.ts'
import type { UserSummary } from './insert-users.ts'

export const CONTEXT_SYSTEM = 10
export const CONTEXT_USER = 30
export const CONTEXT_COURSECAT = 40
export const CONTEXT_COURSE = 50
export const SYSTEM_CONTEXT_ID = 1

/** Context ids of the categories and courses, by instance id. */
export interface ContextIds {
  category: Map<number, number>
  course: Map<number, number>
}

/**
 * Inserts `mdl_context`: the system context (id 1), then contexts in the order a fresh Moodle
 * creates them (site course, default category, guest, admin), then the other categories, the
 * courses and the users. Deleted users have none (delete_user() removes it).
 */
export async function insertContexts(out: BulkInsert, catalogue: Catalogue, users: readonly UserSummary[]): Promise<ContextIds> {
  let nextId = 1
  const ids: ContextIds = { category: new Map(), course: new Map() }
  const add = async (contextlevel: number, instanceid: number, parentPath: string) => {
    const id = nextId++
    const path = `${parentPath}/${id}`
    await out.insert('mdl_context', { id, contextlevel, instanceid, path, depth: path.split('/').length - 1, locked: 0 })
    return path
  }
  const categoryPath = new Map<number, string>()
  const addCategory = async (categoryId: number) => {
    const category = catalogue.categories.find((c) => c.id === categoryId)
    const parent = category?.path.split('/').slice(-2, -1)[0]
    const parentPath = parent ? categoryPath.get(Number(parent)) ?? '/1' : '/1'
    const path = await add(CONTEXT_COURSECAT, categoryId, parentPath)
    categoryPath.set(categoryId, path)
    ids.category.set(categoryId, nextId - 1)
  }

  await add(CONTEXT_SYSTEM, 0, '')
  await add(CONTEXT_COURSE, SITE_COURSE_ID, '/1')
  ids.course.set(SITE_COURSE_ID, 2)
  await addCategory(1)
  const [guest, admin, ...people] = users
  for (const user of [guest, admin]) if (user) await add(CONTEXT_USER, user.id, '/1')
  for (const category of catalogue.categories) if (category.id !== 1) await addCategory(category.id)
  for (const course of catalogue.courses) {
    await add(CONTEXT_COURSE, course.id, categoryPath.get(course.category) ?? '/1')
    ids.course.set(course.id, nextId - 1)
  }
  for (const user of people) if (!user.deleted) await add(CONTEXT_USER, user.id, '/1')
  return ids
}
