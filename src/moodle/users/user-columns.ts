import { sql } from 'kysely'
import type { Moodle } from '../moodle.ts'

/**
 * The `user` columns that may ever leave the service, in Moodle's table order
 * (moopanel-api.md §4.4). `password` and `secret` are deliberately absent.
 */
export const USER_COLUMN_WHITELIST = [
  'id', 'auth', 'confirmed', 'policyagreed', 'deleted', 'suspended', 'mnethostid', 'username', 'idnumber',
  'firstname', 'lastname', 'email', 'emailstop', 'phone1', 'phone2', 'institution', 'department',
  'address', 'city', 'country', 'lang', 'calendartype', 'theme', 'timezone', 'firstaccess',
  'lastaccess', 'lastlogin', 'currentlogin', 'lastip', 'picture', 'description',
  'descriptionformat', 'mailformat', 'maildigest', 'maildisplay', 'autosubscribe', 'trackforums',
  'timecreated', 'timemodified', 'trustbitmask', 'imagealt', 'lastnamephonetic',
  'firstnamephonetic', 'middlename', 'alternatename', 'moodlenetprofile',
] as const

export type UserColumn = (typeof USER_COLUMN_WHITELIST)[number]

const MEMO_KEY = 'users/columns'

/**
 * The whitelisted columns that this site's `user` table really has, in whitelist order. Read once
 * from the information schema and memoised (a column appears only through a Moodle upgrade, which
 * restarts nothing here, so the memo is refreshed when a lookup misses).
 */
export async function listUserColumns(moodle: Moodle): Promise<readonly UserColumn[]> {
  const cached = moodle.memo.get(MEMO_KEY) as readonly UserColumn[] | undefined
  if (cached) return cached
  const table = `${moodle.prefix}user`
  const result =
    moodle.family === 'mysql'
      ? await sql<{ name: string }>`SELECT column_name AS name FROM information_schema.columns
          WHERE table_schema = DATABASE() AND table_name = ${table}`.execute(moodle.db)
      : await sql<{ name: string }>`SELECT column_name AS name FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = ${table}`.execute(moodle.db)
  const present = new Set(result.rows.map((r) => String(r.name).toLowerCase()))
  const columns = USER_COLUMN_WHITELIST.filter((c) => present.has(c))
  if (columns.length > 0) moodle.memo.set(MEMO_KEY, columns)
  return columns
}

/** True when `name` is a whitelisted column present on this site. */
export function isUserColumn(columns: readonly UserColumn[], name: string): name is UserColumn {
  return (columns as readonly string[]).includes(name)
}
