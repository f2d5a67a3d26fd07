import type { Moodle } from '../moodle.ts'
import { dbInt } from '../../shared/db-integer.ts'
import { findGuestId } from './list-users.ts'

/**
 * Users that are not deleted (guest excluded) and, of those, the ones whose `lastaccess` lies in
 * [start, end). Moodle updates `lastaccess` at most once a minute per user.
 */
export async function countOnlineUsers(
  moodle: Moodle,
  window: { startSec: number; endSec: number },
): Promise<{ all: number; online: number }> {
  const guestId = await findGuestId(moodle)
  const row = await moodle.db
    .selectFrom('mdl_user')
    .where('deleted', '=', 0)
    .where('id', '<>', guestId)
    .select((eb) => [
      eb.fn.countAll().as('all'),
      eb.fn
        .count(
          eb
            .case()
            .when(eb.and([eb('lastaccess', '>=', window.startSec), eb('lastaccess', '<', window.endSec)]))
            .then(1)
            .end(),
        )
        .as('online'),
    ])
    .executeTakeFirst()
  return { all: dbInt(row?.all), online: dbInt(row?.online) }
}
