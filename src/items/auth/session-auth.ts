import {
  canonicalAddress,
  equalsInConstantTime,
  findSessionRow,
  readAuthUser,
  readSessionUser,
  SESSION_ID_PATTERN,
  type Moodle,
  type MoodleAuthSettings,
  type SessionStore,
} from '../../moodle/index.ts'
import type { AuthRequest } from './contract.ts'
import { firstHeader } from './credential-choice.ts'
import { badSesskey, expired, invalid, ok, type Step } from './refusals.ts'
import { checkUser } from './user-checks.ts'

export interface SessionContext {
  moodle: Moodle
  store: SessionStore
  settings: MoodleAuthSettings
  clientIp: string
  nowMs: number
  retryDelayMs?: number
}

/**
 * A Moodle session cookie (items-api.md §5.5): id syntax, the session row (logged in, not
 * guest, not timed out), the session data's `USER` (same id, not "log in as", bound address when
 * `tracksessionip`), then the common user checks. Returns the user and the session's sesskey.
 */
export async function authenticateSession(sid: string, ctx: SessionContext): Promise<Step<{ userId: number; sesskey: string }>> {
  const { moodle, settings } = ctx
  if (!SESSION_ID_PATTERN.test(sid)) return invalid('session cookie malformed')
  const row = await findSessionRow(moodle, sid) // 1
  if (!row) return invalid('session not found')
  if (row.userId === 0 || row.userId === settings.siteGuest) return invalid('session not logged in or guest') // 2
  const now = Math.floor(ctx.nowMs / 1000)
  if (row.timeModified < now - settings.sessionTimeoutS) return expired('session timed out') // 3
  const data = await readSessionUser(ctx.store, row, { retryDelayMs: ctx.retryDelayMs })
  if (!data.ok) return invalid(data.cause)
  const user = data.user
  if (user.id === null || user.id !== row.userId) return invalid('session USER id does not match the session row') // 4
  if (user.loggedInAs) return invalid('"log in as" session') // 5
  if (settings.trackSessionIp && user.sessionIp !== '' && !sameAddress(user.sessionIp, ctx.clientIp)) {
    return invalid('session bound to another address') // 6
  }
  const checked = checkUser(await readAuthUser(moodle, row.userId), settings) // 7
  if (!checked.ok) return checked
  return ok({ userId: row.userId, sesskey: user.sesskey })
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

/**
 * The sesskey rule for session-authenticated requests: unsafe methods carry the session's sesskey
 * in `X-Sesskey` or `?sesskey` (equal when both), compared in constant time.
 */
export function checkSesskey(request: AuthRequest, sesskey: string): Step<true> {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return ok(true)
  const header = firstHeader(request.headers['x-sesskey'])
  const rawQuery = request.query['sesskey']
  const query = typeof rawQuery === 'string' ? rawQuery : Array.isArray(rawQuery) ? rawQuery.find((v) => typeof v === 'string') : undefined
  if (rawQuery !== undefined && typeof query !== 'string') return badSesskey('sesskey query parameter malformed')
  if (header !== undefined && query !== undefined && !equalsInConstantTime(header, query)) return badSesskey('X-Sesskey and ?sesskey differ')
  const given = header ?? query
  if (given === undefined || given === '') return badSesskey('sesskey missing')
  if (sesskey === '') return badSesskey('session has no sesskey')
  if (!equalsInConstantTime(given, sesskey)) return badSesskey('sesskey wrong')
  return ok(true)
}

function sameAddress(a: string, b: string): boolean {
  return (canonicalAddress(a) ?? a.trim()) === (canonicalAddress(b) ?? b.trim())
}
