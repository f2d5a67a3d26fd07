import { sql, type SqlBool } from 'kysely'
import type { Moodle } from '../moodle.ts'
import { recheck } from '../recheck.ts'
import { readCoreSettings } from '../site/read-settings.ts'
import { toWireString } from '../values.ts'
import type { RawUserRow } from './list-users.ts'
import { listUserColumns } from './user-columns.ts'

export type UserLookup = { by: 'id'; value: number } | { by: 'username' | 'email'; value: string }

/**
 * One user with every whitelisted column as a raw string, or null. Username and e-mail lookups
 * match local (MNet host `mnet_localhost_id`), non-deleted accounts, lowest id first; an id lookup
 * also finds deleted users, as the original plugin did.
 */
export async function findUser(moodle: Moodle, lookup: UserLookup): Promise<RawUserRow | null> {
  if (lookup.by !== 'id' && lookup.value.includes('\u0000')) return null // no stored value holds NUL
  const columns = await listUserColumns(moodle)
  let q = moodle.db.selectFrom('mdl_user').select([...columns])
  if (lookup.by === 'id') {
    q = q.where('id', '=', lookup.value)
  } else {
    const localHost = await recheck(moodle, 'mnet_localhost_id', async () =>
      Number((await readCoreSettings(moodle, ['mnet_localhost_id'])).get('mnet_localhost_id') ?? '1'),
    )
    q = q.where('mnethostid', '=', localHost).where('deleted', '=', 0)
    // Usernames match exactly on both engines; MySQL's collation would also ignore case, accents
    // and trailing spaces. E-mails follow the database collation, as Moodle's own lookup does.
    q =
      lookup.by === 'username' && moodle.family === 'mysql'
        ? q.where(sql<SqlBool>`CAST(username AS BINARY) = CAST(${lookup.value} AS BINARY)`)
        : q.where(lookup.by, '=', lookup.value)
  }
  const row = (await q.orderBy('id').limit(1).executeTakeFirst()) as Record<string, unknown> | undefined
  if (!row) return null
  const out: RawUserRow = {}
  for (const c of columns) out[c] = toWireString(row[c])
  return out
}
