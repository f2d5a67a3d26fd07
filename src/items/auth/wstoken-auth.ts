import {
  addressMatchesList,
  findSessionRow,
  findWebServiceToken,
  readAuthUser,
  readServiceUsers,
  readSystemContextId,
  touchTokenLastAccess,
  type Moodle,
  type MoodleAuthSettings,
} from '../../moodle/index.ts'
import type { ItemsAuthConfig, ItemsAuthLogger } from './auth-options.ts'
import { hasSystemCapability } from './capability.ts'
import { expired, invalid, ok, type Step } from './refusals.ts'
import { checkUser } from './user-checks.ts'

export interface WsTokenContext {
  moodle: Moodle
  config: Pick<ItemsAuthConfig, 'items_wstoken_enabled' | 'items_wstoken_allowed_services' | 'items_wstoken_update_lastaccess'>
  settings: MoodleAuthSettings
  clientIp: string
  nowMs: number
  log: ItemsAuthLogger
}

const TOKEN = /^[A-Za-z0-9]{1,128}$/

/**
 * A Moodle web service token (items-api.md §5.4 steps 1–14). Every failure is
 * `invalid_credentials` except an expired token (`expired_credentials`); the cause names the step.
 */
export async function authenticateWsToken(token: string, ctx: WsTokenContext): Promise<Step<{ userId: number; tokenId: number }>> {
  const { moodle, config, settings } = ctx
  const now = Math.floor(ctx.nowMs / 1000)
  if (!config.items_wstoken_enabled) return invalid('web service tokens disabled (items_wstoken_enabled)') // 1
  if (!TOKEN.test(token)) return invalid('token malformed') // 2
  if (!settings.webServicesEnabled) return invalid('web services disabled in Moodle (enablewebservices)') // 3
  const row = await findWebServiceToken(moodle, token) // 4
  if (!row) return invalid('token not found')
  const fail = (cause: string) => invalid(`token ${row.id}: ${cause}`)
  if (row.tokenType !== 0) return fail(`token type ${row.tokenType} is not permanent`) // 5
  if (row.validUntil !== 0 && now > row.validUntil) return expired(`token ${row.id}: expired`) // 6
  if (row.sid !== '' && !(await sessionIsLive(moodle, row.sid, settings, now))) return fail('its session is not live') // 7
  if (row.ipRestriction.trim() !== '' && !addressMatchesList(ctx.clientIp, row.ipRestriction)) return fail('IP restriction') // 8
  if (row.contextId !== (await readSystemContextId(moodle))) return fail('restricted to a context below system') // 9
  const user = checkUser(await readAuthUser(moodle, row.userId), settings) // 10
  if (!user.ok) return fail(user.cause)
  const service = row.service // 11
  if (!service) return fail('service missing')
  if (!service.enabled) return fail('service disabled')
  const allowed = config.items_wstoken_allowed_services
  if (allowed.length > 0 && !allowed.includes(service.shortname)) return fail('service not in items_wstoken_allowed_services')
  if (service.requiredCapability !== '' && !(await hasSystemCapability(moodle, settings, row.userId, service.requiredCapability))) {
    return fail('user lacks the service capability') // 12
  }
  if (service.restrictedUsers) {
    // 13: the meaning the column documents (Moodle's file endpoints), not the dispatcher's inverted one.
    const entries = await readServiceUsers(moodle, service.id, row.userId)
    if (entries.length === 0) return fail('user not allowed for the restricted service')
    const usable = entries.some(
      (e) => (e.validUntil === 0 || now <= e.validUntil) && (e.ipRestriction.trim() === '' || addressMatchesList(ctx.clientIp, e.ipRestriction)),
    )
    if (!usable) return fail('service user entry expired or IP restriction')
  }
  if (config.items_wstoken_update_lastaccess && now >= row.lastAccess + 60) {
    // 14: best effort.
    await touchTokenLastAccess(moodle, row.id, now).catch((error: unknown) => {
      ctx.log.warn({ err: error instanceof Error ? error.message : String(error), tokenId: row.id }, 'token lastaccess update failed')
    })
  }
  return ok({ userId: row.userId, tokenId: row.id })
}

/** Session rules 1–3 of items-api.md §5.5 for session-bound tokens. */
async function sessionIsLive(moodle: Moodle, sid: string, settings: MoodleAuthSettings, now: number): Promise<boolean> {
  const session = await findSessionRow(moodle, sid)
  if (!session || session.userId === 0 || session.userId === settings.siteGuest) return false
  return session.timeModified >= now - settings.sessionTimeoutS
}
