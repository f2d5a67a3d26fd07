/**
 * Kysely table types for the Moodle tables the service reads, keyed by their default `mdl_` names;
 * `tablePrefixPlugin` rewrites them when a site uses another prefix. Integer columns are `Num`:
 * pg returns BIGINT as a string, mysql2 and PGlite as a number, so domain code normalises once.
 */
export type Num = number | string | bigint

export interface ConfigTable { id: Num; name: string; value: string }
export interface ConfigPluginsTable { id: Num; plugin: string; name: string; value: string }

/** Every column of `user`, credential columns included so they can be named in exclusions only. */
export interface UserTable {
  id: Num; auth: string; confirmed: Num; policyagreed: Num; deleted: Num; suspended: Num; mnethostid: Num
  username: string; password: string; idnumber: string; firstname: string; lastname: string; email: string
  emailstop: Num; phone1: string; phone2: string; institution: string; department: string; address: string
  city: string; country: string; lang: string; calendartype: string; theme: string; timezone: string
  firstaccess: Num; lastaccess: Num; lastlogin: Num; currentlogin: Num; lastip: string; secret: string
  picture: Num; description: string | null; descriptionformat: Num; mailformat: Num; maildigest: Num
  maildisplay: Num; autosubscribe: Num; trackforums: Num; timecreated: Num; timemodified: Num
  trustbitmask: Num; imagealt: string | null; lastnamephonetic: string | null; firstnamephonetic: string | null
  middlename: string | null; alternatename: string | null; moodlenetprofile: string | null
}

export interface CourseTable {
  id: Num; category: Num; fullname: string; shortname: string; sortorder: Num; visible: Num; timemodified: Num; cacherev: Num
}
export interface GradeItemsTable { id: Num; courseid: Num | null; timemodified: Num | null }
export interface CourseCategoriesTable {
  id: Num; name: string; parent: Num; sortorder: Num; path: string; depth: Num; visible: Num
}
export interface ContextTable { id: Num; contextlevel: Num; instanceid: Num; path: string | null; depth: Num }
export interface UpgradeLogTable {
  id: Num; type: Num; plugin: string | null; version: string | null; targetversion: string | null
  info: string; details: string | null; backtrace: string | null; userid: Num; timemodified: Num
}
export interface ModulesTable { id: Num; name: string; visible: Num }
export interface BlockTable { id: Num; name: string; visible: Num }
export interface FilterActiveTable { id: Num; filter: string; contextid: Num; active: Num; sortorder: Num }
export interface RepositoryTable { id: Num; type: string; visible: Num | null; sortorder: Num }
export interface MessageProcessorsTable { id: Num; name: string; enabled: Num }
export interface PortfolioInstanceTable { id: Num; plugin: string; name: string; visible: Num }

export interface MoodleTables {
  mdl_config: ConfigTable
  mdl_config_plugins: ConfigPluginsTable
  mdl_user: UserTable
  mdl_course: CourseTable
  mdl_grade_items: GradeItemsTable
  mdl_course_categories: CourseCategoriesTable
  mdl_context: ContextTable
  mdl_upgrade_log: UpgradeLogTable
  mdl_modules: ModulesTable
  mdl_block: BlockTable
  mdl_filter_active: FilterActiveTable
  mdl_repository: RepositoryTable
  mdl_message_processors: MessageProcessorsTable
  mdl_portfolio_instance: PortfolioInstanceTable
}

// Web services, sessions, roles and capabilities (Items API authentication, items-api.md §5, §6).
export interface ExternalTokensTable {
  id: Num; token: string; privatetoken: string | null; tokentype: Num; userid: Num; externalserviceid: Num
  sid: string | null; contextid: Num; creatorid: Num; iprestriction: string | null; validuntil: Num | null
  timecreated: Num; lastaccess: Num | null; name: string | null
}
export interface ExternalServicesTable {
  id: Num; name: string; enabled: Num; requiredcapability: string | null; restrictedusers: Num; component: string | null
  timecreated: Num; timemodified: Num | null; shortname: string | null; downloadfiles: Num; uploadfiles: Num
}
export interface ExternalServicesUsersTable {
  id: Num; externalserviceid: Num; userid: Num; iprestriction: string | null; validuntil: Num | null; timecreated: Num | null
}
export interface SessionsTable {
  id: Num; state: Num; sid: string; userid: Num; sessdata: string | null; timecreated: Num; timemodified: Num
  firstip: string | null; lastip: string | null
}
export interface RoleAssignmentsTable {
  id: Num; roleid: Num; contextid: Num; userid: Num; timemodified: Num; modifierid: Num; component: string; itemid: Num; sortorder: Num
}
export interface RoleCapabilitiesTable {
  id: Num; contextid: Num; roleid: Num; capability: string; permission: Num; timemodified: Num; modifierid: Num
}
export interface CapabilitiesTable { id: Num; name: string; captype: string; contextlevel: Num; component: string; riskbitmask: Num }

/** Declaration merging: the tables above join `MoodleTables`. */
export interface MoodleTables {
  mdl_external_tokens: ExternalTokensTable
  mdl_external_services: ExternalServicesTable
  mdl_external_services_users: ExternalServicesUsersTable
  mdl_sessions: SessionsTable
  mdl_role_assignments: RoleAssignmentsTable
  mdl_role_capabilities: RoleCapabilitiesTable
  mdl_capabilities: CapabilitiesTable
}
