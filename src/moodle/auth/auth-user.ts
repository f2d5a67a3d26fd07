import { sql, type SqlBool } from 'kysely'
import type { Moodle } from '../moodle.ts'
import { dbInt } from '../../shared/db-integer.ts'

/** The `mdl_user` columns the Items API's common user checks read (items-api.md §5.2). */
export interface AuthUserRow {
  id: number
  deleted: boolean
  suspended: boolean
  confirmed: boolean
  auth: string
}

const COLUMNS = ['id', 'deleted', 'suspended', 'confirmed', 'auth'] as const

/** The user with this id (a number or a decimal string of up to 16 digits), or null. */
export async function readAuthUser(moodle: Moodle, id: number | string): Promise<AuthUserRow | null> {
  const row = await moodle.db.selectFrom('mdl_user').select([...COLUMNS]).where('id', '=', id).executeTakeFirst()
  return row ? toAuthUser(row) : null
}

/**
 * The user with exactly this username (byte for byte, also on MySQL whose collation ignores case,
 * accents and trailing spaces) on the given MNet host, lowest id first, or null.
 */
export async function readAuthUserByUsername(moodle: Moodle, username: string, mnetHostId: number): Promise<AuthUserRow | null> {
  if (username.includes('\u0000')) return null
  let q = moodle.db.selectFrom('mdl_user').select([...COLUMNS]).where('mnethostid', '=', mnetHostId)
  q =
    moodle.family === 'mysql'
      ? q.where(sql<SqlBool>`CAST(username AS BINARY) = CAST(${username} AS BINARY)`)
      : q.where('username', '=', username)
  const row = await q.orderBy('id').limit(1).executeTakeFirst()
  return row ? toAuthUser(row) : null
}

function toAuthUser(row: { id: unknown; deleted: unknown; suspended: unknown; confirmed: unknown; auth: string }): AuthUserRow {
  return {
    id: dbInt(row.id),
    deleted: dbInt(row.deleted) !== 0,
    suspended: dbInt(row.suspended) !== 0,
    confirmed: dbInt(row.confirmed) === 1,
    auth: row.auth,
  }
}
