/**
 * The read-only item types backed by Moodle tables (items-api.md §7.5): which item fields and
 * metadata keys each maps, and from which column. The Items API sees only the wire names.
 */

export type CoreBackedTypeName = 'course' | 'course_category' | 'user' | 'cohort'

/** What the Items API needs to know about a core-backed type. */
export interface CoreBackedDescriptor {
  name: CoreBackedTypeName
  title: string
  readCapability: string
  /** Item core fields this type fills (the others are always null). */
  fields: readonly string[]
  /** Metadata keys and their storage kind. */
  metadata: Readonly<Record<string, 'int' | 'string'>>
}

const ints = (...keys: string[]) => Object.fromEntries(keys.map((k) => [k, 'int' as const]))
const strs = (...keys: string[]) => Object.fromEntries(keys.map((k) => [k, 'string' as const]))

export const CORE_BACKED_TYPES: Readonly<Record<CoreBackedTypeName, CoreBackedDescriptor>> = {
  course: {
    name: 'course',
    title: 'Moodle course',
    readCapability: 'moodle/course:viewhiddencourses',
    fields: ['id', 'type', 'contextid', 'courseid', 'parent', 'fullname', 'shortname', 'idnumber', 'description', 'descriptionformat', 'visible', 'sortorder', 'timecreated', 'timemodified'],
    metadata: {
      ...ints('category', 'startdate', 'enddate', 'groupmode', 'groupmodeforce', 'enablecompletion', 'showgrades', 'newsitems', 'maxbytes', 'showreports', 'visibleold'),
      ...strs('format', 'lang', 'calendartype', 'theme'),
    },
  },
  course_category: {
    name: 'course_category',
    title: 'Moodle course category',
    readCapability: 'moodle/category:viewhiddencategories',
    fields: ['id', 'type', 'contextid', 'parent', 'fullname', 'idnumber', 'description', 'descriptionformat', 'visible', 'sortorder', 'timemodified'],
    metadata: { ...ints('coursecount', 'depth', 'visibleold'), ...strs('path', 'theme') },
  },
  user: {
    name: 'user',
    title: 'Moodle user',
    readCapability: 'moodle/user:viewalldetails',
    fields: ['id', 'type', 'contextid', 'userid', 'fullname', 'shortname', 'idnumber', 'description', 'descriptionformat', 'timecreated', 'timemodified'],
    metadata: {
      ...ints('confirmed', 'suspended', 'mnethostid', 'firstaccess', 'lastaccess', 'lastlogin'),
      ...strs('username', 'firstname', 'lastname', 'email', 'auth', 'lang', 'timezone', 'city', 'country', 'institution', 'department'),
    },
  },
  cohort: {
    name: 'cohort',
    title: 'Moodle cohort',
    readCapability: 'moodle/cohort:view',
    fields: ['id', 'type', 'contextid', 'fullname', 'idnumber', 'description', 'descriptionformat', 'visible', 'timecreated', 'timemodified'],
    metadata: strs('component', 'theme'),
  },
}
