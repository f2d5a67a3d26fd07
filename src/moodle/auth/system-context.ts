import type { Moodle } from '../moodle.ts'
import { toInt } from '../values.ts'

const MEMO_KEY = 'auth/system-context-id'
const CONTEXT_SYSTEM = 10

/** The id of the system context (the one `mdl_context` row of level 10); it never changes, so it is read once per site. */
export async function readSystemContextId(moodle: Moodle): Promise<number> {
  const known = moodle.memo.get(MEMO_KEY)
  if (typeof known === 'number') return known
  const row = await moodle.db
    .selectFrom('mdl_context')
    .select('id')
    .where('contextlevel', '=', CONTEXT_SYSTEM)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst()
  if (!row) throw new Error('Moodle has no system context')
  const id = toInt(row.id)
  moodle.memo.set(MEMO_KEY, id)
  return id
}
