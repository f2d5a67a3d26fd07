import type { BulkInsert, SqlRow } from './bulk-insert.ts'
import type { Catalogue, CourseInfo } from './course-catalogue.ts'
import { DAY, HOUR, type DemoContext } from './demo-context.ts'
import { SYSTEM_CONTEXT_ID, type ContextIds } from './insert-contexts.ts'
import { ADMIN_ID, type UserSummary } from './insert-users.ts'

const ROLES = ['manager', 'coursecreator', 'editingteacher', 'teacher', 'student', 'guest', 'user', 'frontpage'] as const
const ROLE = { manager: 1, coursecreator: 2, editingteacher: 3, teacher: 4, student: 5 } as const

/** Courses open to guests, and courses with self enrolment on (the last one with a key). */
const GUEST_OPEN = new Set(['WELCOME', 'STAFF-SANDBOX'])
const SELF_OPEN = ['WELCOME', 'LANG100', 'STAFF-MOODLE', 'STAFF-A11Y', 'MGT390']

/** Enrolment summary for the counts the tests check. */
export interface EnrolmentCounts {
  enrolments: number
  roleAssignments: number
  /** Users holding a role at system context (managers, one course creator). */
  systemRoles: Array<{ userid: number; role: 'manager' | 'coursecreator' }>
}

/**
 * Inserts the 8 standard roles, manual/guest/self enrolment instances for every course, and
 * enrolments with matching course-context role assignments (students, some teachers), plus a
 * few system-level managers and course creators. Deleted users hold none (delete_user() removes them).
 */
export async function insertEnrolments(
  ctx: DemoContext, out: BulkInsert, catalogue: Catalogue, contexts: ContextIds, users: readonly UserSummary[],
): Promise<EnrolmentCounts> {
  const r = ctx.random('enrolments')
  for (const [index, shortname] of ROLES.entries()) {
    await out.insert('mdl_role', { id: index + 1, name: '', shortname, description: '', sortorder: index + 1, archetype: shortname })
  }

  let enrolId = 0
  const instances = new Map<number, { manual: number; self: number | null }>()
  for (const course of catalogue.courses) {
    const selfOpen = SELF_OPEN.includes(course.shortname)
    const manual = ++enrolId
    await out.insert('mdl_enrol', enrolRow(manual, 'manual', 0, course, 0, ROLE.student, null))
    await out.insert('mdl_enrol', enrolRow(++enrolId, 'guest', GUEST_OPEN.has(course.shortname) ? 0 : 1, course, 1, 0, ''))
    const key = course.shortname === SELF_OPEN.at(-1) ? `${r.string(6, 'abcdefghjkmnpqrstuvwxyz')}-${r.int(100, 999)}` : null
    await out.insert('mdl_enrol', enrolRow(++enrolId, 'self', selfOpen ? 0 : 1, course, 2, ROLE.student, key))
    instances.set(course.id, { manual, self: selfOpen ? enrolId : null })
  }

  let ueId = 0
  let raId = 0
  const assign = async (roleid: number, contextid: number, userid: number, time: number) => {
    await out.insert('mdl_role_assignments', {
      id: ++raId, roleid, contextid, userid, timemodified: time, modifierid: ADMIN_ID, component: '', itemid: 0, sortorder: 0,
    })
  }
  const eligible = users.filter((u) => u.id > ADMIN_ID && !u.deleted && (u.active || u.suspended))
  const systemRoles: EnrolmentCounts['systemRoles'] = []
  for (const [position, user] of eligible.slice(0, 3).entries()) {
    await assign(position === 2 ? ROLE.coursecreator : ROLE.manager, SYSTEM_CONTEXT_ID, user.id, user.timecreated + HOUR)
    systemRoles.push({ userid: user.id, role: position === 2 ? 'coursecreator' : 'manager' })
  }

  for (const user of eligible) {
    const role = r.chance(0.03) ? ROLE.editingteacher : r.chance(0.01) ? ROLE.teacher : ROLE.student
    const count = role === ROLE.student ? r.pick([0, 0, 1, 1, 1, 2, 2, 3, 4]) : r.int(1, 3)
    const chosen = new Set<CourseInfo>()
    for (let i = 0; i < count; i++) chosen.add(r.pickSkewed(catalogue.courses, 0.6))
    for (const course of chosen) {
      const instance = instances.get(course.id)
      const contextid = contexts.course.get(course.id)
      if (!instance || !contextid) continue
      const viaSelf = instance.self !== null && role === ROLE.student && r.chance(0.3)
      const time = Math.min(Math.max(user.timecreated, course.timecreated) + r.int(0, 5 * DAY), ctx.now - HOUR)
      await out.insert('mdl_user_enrolments', {
        id: ++ueId, status: r.chance(0.03) ? 1 : 0, enrolid: viaSelf ? instance.self : instance.manual, userid: user.id,
        timestart: time, timeend: 0, modifierid: viaSelf ? user.id : ADMIN_ID, timecreated: time, timemodified: time,
      })
      await assign(role, contextid, user.id, time)
    }
  }
  return { enrolments: ueId, roleAssignments: raId, systemRoles }
}

function enrolRow(
  id: number, enrol: string, status: number, course: CourseInfo, sortorder: number, roleid: number, password: string | null,
): SqlRow {
  const self = enrol === 'self'
  return {
    id, enrol, status, courseid: course.id, sortorder, name: null, enrolperiod: 0, enrolstartdate: 0,
    enrolenddate: 0, expirynotify: 0, expirythreshold: enrol === 'guest' ? 0 : DAY, notifyall: 0, password,
    cost: null, currency: null, roleid,
    customint1: self ? 0 : enrol === 'manual' ? 1 : null, customint2: self ? 0 : null, customint3: self ? 0 : null,
    customint4: self ? 1 : null, customint5: self ? 0 : null, customint6: self ? 1 : null,
    timecreated: course.timecreated, timemodified: course.timecreated,
  }
}
