import type { SqlRow } from './bulk-insert.ts'
import { DAY, HOUR, type DemoContext } from './demo-context.ts'

/** Category tree, parents before children; ids are positions + 1. `parent` is a 1-based id. */
const CATEGORIES: ReadonlyArray<{ name: string; idnumber: string | null; parent: number; hidden?: boolean }> = [
  { name: 'Category 1', idnumber: null, parent: 0 },
  { name: 'Faculty of Science', idnumber: 'SCI', parent: 0 },
  { name: 'Mathematics', idnumber: 'SCI-MATH', parent: 2 },
  { name: 'Physics', idnumber: 'SCI-PHYS', parent: 2 },
  { name: 'Computer Science', idnumber: 'SCI-CS', parent: 2 },
  { name: 'Software Engineering', idnumber: 'SCI-CS-SE', parent: 5 },
  { name: 'Data Science', idnumber: 'SCI-CS-DS', parent: 5 },
  { name: 'Faculty of Arts & Humanities', idnumber: 'ART', parent: 0 },
  { name: 'History', idnumber: 'ART-HIST', parent: 8 },
  { name: 'Languages', idnumber: 'ART-LANG', parent: 8 },
  { name: 'Français & Español', idnumber: 'ART-LANG-ROM', parent: 10 },
  { name: 'Business School', idnumber: 'BUS', parent: 0 },
  { name: 'Économie', idnumber: 'BUS-ECO', parent: 12 },
  { name: 'Management', idnumber: 'BUS-MGT', parent: 12 },
  { name: 'Staff Development', idnumber: 'STAFF', parent: 0 },
  { name: 'Archive 2023–2024', idnumber: 'ARCHIVE', parent: 0, hidden: true },
]

/** Courses in creation order: [category id, full name, short name, format]. */
const COURSES: ReadonlyArray<readonly [number, string, string, string]> = [
  [1, 'Welcome to the Demo Campus', 'WELCOME', 'singleactivity'],
  [3, 'Calculus I', 'MATH101', 'weeks'],
  [3, 'Linear Algebra', 'MATH120', 'topics'],
  [3, 'Probability & Statistics', 'MATH210', 'topics'],
  [4, 'Classical Mechanics', 'PHYS101', 'weeks'],
  [4, 'Electromagnetism', 'PHYS201', 'topics'],
  [4, 'Quantum Physics — an introduction', 'PHYS310', 'topics'],
  [5, 'Introduction to Programming', 'CS100', 'weeks'],
  [5, 'Algorithms and Data Structures', 'CS210', 'topics'],
  [6, 'Software Engineering Project', 'SE300', 'topics'],
  [6, 'Testing & Quality Assurance', 'SE320', 'topics'],
  [6, 'DevOps in Practice', 'SE340', 'weeks'],
  [7, 'Machine Learning Foundations', 'DS200', 'topics'],
  [7, 'Databases: SQL and Beyond', 'DS220', 'topics'],
  [7, 'Data Visualisation', 'DS240', 'weeks'],
  [9, 'Medieval Europe', 'HIST110', 'topics'],
  [9, 'The Modern World, 1750–1950', 'HIST120', 'topics'],
  [9, 'Oral History Workshop', 'HIST300', 'social'],
  [10, 'Academic English', 'LANG100', 'topics'],
  [10, 'Deutsch für Anfänger', 'LANG-DE1', 'weeks'],
  [10, 'Introduction to Linguistics', 'LING101', 'topics'],
  [11, 'Français intermédiaire', 'LANG-FR2', 'weeks'],
  [11, 'Español para principiantes', 'LANG-ES1', 'weeks'],
  [11, 'Literatura hispanoamericana', 'LANG-ES3', 'topics'],
  [13, 'Microéconomie', 'ECO101', 'topics'],
  [13, 'Macroeconomics', 'ECO102', 'topics'],
  [13, 'Behavioural Economics', 'ECO250', 'topics'],
  [14, 'Principles of Management', 'MGT100', 'topics'],
  [14, 'Project Management', 'MGT210', 'weeks'],
  [14, 'Marketing Fundamentals', 'MGT220', 'topics'],
  [14, "Entrepreneurs' Lab", 'MGT390', 'social'],
  [15, 'Moodle for Teachers', 'STAFF-MOODLE', 'topics'],
  [15, 'Accessibility Essentials', 'STAFF-A11Y', 'topics'],
  [15, 'Data Protection Training', 'STAFF-GDPR', 'singleactivity'],
  [15, 'Sandbox: Try Things Out', 'STAFF-SANDBOX', 'topics'],
  [16, 'Calculus I (2023)', 'MATH101-2023', 'weeks'],
  [16, 'Introduction to Programming (2023)', 'CS100-2023', 'weeks'],
  [16, 'Medieval Europe (2023)', 'HIST110-2023', 'topics'],
  [12, 'MBA Induction', 'MBA-INDUCT', 'topics'],
  [8, 'Research Methods in the Humanities', 'ART-RM', 'topics'],
]

/** The course kept hidden (visible = 0) although its category is visible. */
const HIDDEN_COURSE = 'DS240'

export interface CategoryInfo { id: number; path: string; depth: number; hidden: boolean }
export interface CourseInfo { id: number; category: number; shortname: string; visible: boolean; timecreated: number }

/** The demo's course categories and courses (plus the site course id 1) as table rows. */
export interface Catalogue {
  categories: CategoryInfo[]
  courses: CourseInfo[]
  categoryRows: SqlRow[]
  courseRows: SqlRow[]
}

export const SITE_COURSE_ID = 1
export const SITE_FULLNAME = 'Moodle Bridge Demo'
export const SITE_SHORTNAME = 'demo'

/**
 * Builds the catalogue. Sort orders follow Moodle's fix_course_sortorder(): categories get
 * 10000 × their depth-first position, courses their category's value plus a rank (newest first).
 */
export function buildCatalogue(ctx: DemoContext, themerev: number): Catalogue {
  const r = ctx.random('courses')
  const categories: CategoryInfo[] = []
  for (const [index, category] of CATEGORIES.entries()) {
    const id = index + 1
    const parent = category.parent === 0 ? null : categories[category.parent - 1]
    if (category.parent !== 0 && !parent) throw new Error(`category ${id} listed before its parent`)
    categories.push({
      id,
      path: `${parent?.path ?? ''}/${id}`,
      depth: (parent?.depth ?? 0) + 1,
      hidden: Boolean(category.hidden) || Boolean(parent?.hidden),
    })
  }
  const sortorder = new Map(depthFirst(0).map((id, position) => [id, (position + 1) * 10000]))
  const coursesPer = new Map<number, number>()
  for (const [category] of COURSES) coursesPer.set(category, (coursesPer.get(category) ?? 0) + 1)

  const categoryRows = CATEGORIES.map((category, index): SqlRow => {
    const info = categories[index] as CategoryInfo
    return {
      id: info.id, name: category.name, idnumber: category.idnumber,
      description: category.idnumber ? `<p>Courses of ${category.name.replaceAll('&', '&amp;')}.</p>` : null,
      descriptionformat: 1, parent: category.parent, sortorder: sortorder.get(info.id) ?? 0,
      coursecount: coursesPer.get(info.id) ?? 0, visible: category.hidden ? 0 : 1, visibleold: category.hidden ? 0 : 1,
      timemodified: ctx.installedAt + DAY + index * 60, depth: info.depth, path: info.path, theme: null,
    }
  })

  const courses: CourseInfo[] = []
  const rank = new Map<number, number>()
  const courseRows: SqlRow[] = [siteCourseRow(ctx, themerev)]
  for (const [index, [category, fullname, shortname, format]] of COURSES.entries()) {
    const id = index + 2
    const seen = (rank.get(category) ?? 0) + 1
    rank.set(category, seen)
    const visible = shortname !== HIDDEN_COURSE
    const created = ctx.installedAt + 2 * DAY + index * 3 * HOUR + r.int(0, HOUR)
    courses.push({ id, category, shortname, visible, timecreated: created })
    const archived = category === 16
    const startdate = archived ? ctx.now - 500 * DAY : ctx.now - r.int(20, 200) * DAY
    courseRows.push({
      ...courseDefaults(), id, category, sortorder: (sortorder.get(category) ?? 0) + (coursesPer.get(category) ?? 0) - seen + 1,
      fullname, shortname, idnumber: r.chance(0.8) ? `CRS-${1000 + index}` : '',
      summary: `<p>${fullname.replaceAll('&', '&amp;')}: a demo course.</p>`, format,
      startdate: startdate - (startdate % DAY), enddate: format === 'singleactivity' ? 0 : startdate - (startdate % DAY) + r.pick([120, 180, 270, 365]) * DAY,
      visible: visible ? 1 : 0, visibleold: visible ? 1 : 0,
      timecreated: created, timemodified: created + r.int(0, 60 * DAY), cacherev: themerev,
      enablecompletion: r.chance(0.7) ? 1 : 0, showactivitydates: 1, showcompletionconditions: 1,
    })
  }
  return { categories, courses, categoryRows, courseRows }
}

function depthFirst(parent: number): number[] {
  const order: number[] = []
  for (const [index, category] of CATEGORIES.entries()) {
    if (category.parent === parent) order.push(index + 1, ...depthFirst(index + 1))
  }
  return order
}

function courseDefaults(): SqlRow {
  return {
    id: 0, category: 0, sortorder: 0, fullname: '', shortname: '', idnumber: '', summary: null,
    summaryformat: 1, format: 'topics', showgrades: 1, newsitems: 5, startdate: 0, enddate: 0,
    relativedatesmode: 0, marker: 0, maxbytes: 0, legacyfiles: 0, showreports: 0, visible: 1,
    visibleold: 1, downloadcontent: null, groupmode: 0, groupmodeforce: 0, defaultgroupingid: 0,
    lang: '', calendartype: '', theme: '', timecreated: 0, timemodified: 0, requested: 0,
    enablecompletion: 0, completionnotify: 0, cacherev: 0, originalcourseid: null,
    showactivitydates: 0, showcompletionconditions: null, pdfexportfont: null,
  }
}

function siteCourseRow(ctx: DemoContext, themerev: number): SqlRow {
  return {
    ...courseDefaults(), id: SITE_COURSE_ID, category: 0, sortorder: 1, fullname: SITE_FULLNAME,
    shortname: SITE_SHORTNAME, summary: '<p>A generated Moodle site for trying out moodle-bridge.</p>',
    summaryformat: 1, format: 'site', newsitems: 3,
    timecreated: ctx.installedAt, timemodified: ctx.installedAt + 20 * 60, cacherev: themerev,
  }
}
