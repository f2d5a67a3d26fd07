import { sql } from 'kysely'
import type { Moodle } from '../moodle.ts'

/** True when Moodle's database answers a trivial query on its `config` table. */
export async function pingMoodle(moodle: Moodle): Promise<boolean> {
  try {
    await moodle.db.selectFrom('mdl_config').select(sql`1`.as('one')).limit(1).execute()
    return true
  } catch {
    return false
  }
}
