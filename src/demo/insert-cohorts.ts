import type { BulkInsert } from './bulk-insert.ts'
import type { Catalogue } from './course-catalogue.ts'
import { DAY, type DemoContext } from './demo-context.ts'
import { SYSTEM_CONTEXT_ID, type ContextIds } from './insert-contexts.ts'
import { ADMIN_ID, type UserSummary } from './insert-users.ts'

/** Site-wide cohorts, and cohorts of a category (by its idnumber); one hidden, one owned by a plugin. */
const COHORTS: ReadonlyArray<{ name: string; idnumber: string; category?: string; visible?: 0; component?: string; share: number }> = [
  { name: 'All staff', idnumber: 'STAFF', share: 0.08 },
  { name: 'First-year students 2026', idnumber: 'Y1-2026', share: 0.25 },
  { name: 'Exchange students', idnumber: 'EXCHANGE', share: 0.04 },
  { name: 'Science faculty', idnumber: 'SCI-ALL', category: 'SCI', share: 0.15 },
  { name: 'Arts & Humanities faculty', idnumber: 'ART-ALL', category: 'ART', share: 0.12 },
  { name: 'Alumni (archived)', idnumber: 'ALUMNI', visible: 0, share: 0.05 },
  { name: 'Synced from HR', idnumber: 'HR-SYNC', component: 'auth_db', share: 0.03 },
]

/** Inserts `mdl_cohort` and `mdl_cohort_members` (people who can log in only). */
export async function insertCohorts(
  ctx: DemoContext, out: BulkInsert, catalogue: Catalogue, contexts: ContextIds, users: readonly UserSummary[],
): Promise<{ cohorts: number; members: number }> {
  const r = ctx.random('cohorts')
  const people = users.filter((u) => u.id > ADMIN_ID && !u.deleted)
  let memberId = 0
  for (const [index, cohort] of COHORTS.entries()) {
    const id = index + 1
    const category = cohort.category ? catalogue.categoryRows.find((c) => c.idnumber === cohort.category)?.id : undefined
    const contextid = (typeof category === 'number' ? contexts.category.get(category) : undefined) ?? SYSTEM_CONTEXT_ID
    const created = ctx.now - r.int(30, 400) * DAY
    await out.insert('mdl_cohort', {
      id, contextid, name: cohort.name, idnumber: cohort.idnumber, description: `<p>${cohort.name}.</p>`, descriptionformat: 1,
      visible: cohort.visible ?? 1, component: cohort.component ?? '', timecreated: created, timemodified: created + r.int(0, 20) * DAY, theme: '',
    })
    for (const user of people) {
      if (!r.chance(cohort.share)) continue
      await out.insert('mdl_cohort_members', { id: ++memberId, cohortid: id, userid: user.id, timeadded: Math.max(created, user.timecreated) + r.int(0, 5) * DAY })
    }
  }
  return { cohorts: COHORTS.length, members: memberId }
}
