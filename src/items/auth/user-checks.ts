import type { AuthUserRow, MoodleAuthSettings } from '../../moodle/index.ts'
import { invalid, ok, type Step } from './refusals.ts'

/**
 * The common user checks (items-api.md §5.2): the row exists and is not the guest, not deleted,
 * not suspended, confirmed, and its auth plugin is not `nologin`.
 */
export function checkUser(user: AuthUserRow | null, settings: MoodleAuthSettings): Step<AuthUserRow> {
  if (!user) return invalid('user not found')
  if (user.id === settings.siteGuest) return invalid('guest user')
  if (user.deleted) return invalid('user deleted')
  if (user.suspended) return invalid('user suspended')
  if (!user.confirmed) return invalid('user not confirmed')
  if (user.auth === 'nologin') return invalid('user auth is nologin')
  return ok(user)
}
