import type { Moodle } from '../moodle.ts'
import { dbInt } from '../../shared/db-integer.ts'
import { equalsInConstantTime } from './constant-time.ts'

/** A row of `mdl_sessions` (moodle.md §4.5). */
export interface SessionRow {
  sid: string
  /** 0 = not logged in. */
  userId: number
  timeModified: number
  /** Base64 session data of the database handler; null with other handlers. */
  sessdata: string | null
}

/** The session whose `sid` equals `sid` exactly (MySQL collations would also match other cases), or null. */
export async function findSessionRow(moodle: Moodle, sid: string): Promise<SessionRow | null> {
  const rows = await moodle.db
    .selectFrom('mdl_sessions')
    .select(['sid', 'userid', 'timemodified', 'sessdata'])
    .where('sid', '=', sid)
    .orderBy('id')
    .limit(8)
    .execute()
  const row = rows.find((r) => equalsInConstantTime(r.sid, sid))
  return row ? { sid: row.sid, userId: dbInt(row.userid), timeModified: dbInt(row.timemodified), sessdata: row.sessdata } : null
}
