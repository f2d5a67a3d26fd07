import { randomBytes } from 'node:crypto'
import type { SqlRow } from './bulk-insert.ts'
import type { DemoContext } from './demo-context.ts'
import { SYSTEM_CONTEXT_ID } from './insert-contexts.ts'
import { ADMIN_ID, type UserSummary } from './insert-users.ts'

/** Shortname of the external service the demo's Items API tokens belong to. */
export const DEMO_ITEMS_SERVICE = 'moodle_bridge_demo'

/** A web service token of the demo's Items API service and whom it acts as. */
export interface DemoCredential {
  userid: number
  username: string
  token: string
}

/** Ready-made Items API credentials: the admin, a system manager, a user without any system role. */
export interface DemoItemsCredentials {
  service: string
  admin: DemoCredential
  /** Holds every read capability and MIDDAG's manage capabilities (null on a site too small to have one). */
  manager: DemoCredential | null
  /** Holds none of the Items API's capabilities: 403 on every type. */
  user: DemoCredential | null
}

/**
 * The external service of the Items API demo (enabled, no required capability, not restricted) and
 * a permanent system-context token each for the admin, a manager and a plain user. Token values
 * come from `randomBytes` (new on every start), not from the seed. Ids follow `firstTokenId`.
 */
export function buildItemsCredentials(
  ctx: DemoContext, users: readonly UserSummary[], systemRoles: ReadonlyArray<{ userid: number; role: string }>,
  ids: { serviceId: number; firstTokenId: number },
): { services: SqlRow[]; tokens: SqlRow[]; credentials: DemoItemsCredentials } {
  const byId = new Map(users.map((u) => [u.id, u]))
  const managerId = systemRoles.find((s) => s.role === 'manager' && byId.get(s.userid)?.active)?.userid
  const plain = users.find((u) => u.id > ADMIN_ID && u.active && !systemRoles.some((s) => s.userid === u.id))
  const credential = (user: UserSummary | undefined): DemoCredential | null =>
    user ? { userid: user.id, username: user.username, token: randomBytes(16).toString('hex') } : null
  const admin = credential(byId.get(ADMIN_ID))
  if (!admin) throw new Error('the demo site has no admin')
  const credentials: DemoItemsCredentials = {
    service: DEMO_ITEMS_SERVICE, admin, manager: credential(managerId === undefined ? undefined : byId.get(managerId)), user: credential(plain),
  }
  const created = ctx.now - 60
  const services: SqlRow[] = [{
    id: ids.serviceId, name: 'moodle-bridge demo (Items API)', enabled: 1, requiredcapability: null, restrictedusers: 0,
    component: null, timecreated: created, timemodified: created, shortname: DEMO_ITEMS_SERVICE, downloadfiles: 0, uploadfiles: 0,
  }]
  const holders = [credentials.admin, credentials.manager, credentials.user].filter((c): c is DemoCredential => c !== null)
  const tokens = holders.map((c, i): SqlRow => ({
    id: ids.firstTokenId + i, token: c.token, privatetoken: null, tokentype: 0, userid: c.userid, externalserviceid: ids.serviceId,
    sid: null, contextid: SYSTEM_CONTEXT_ID, creatorid: ADMIN_ID, iprestriction: null, validuntil: 0, timecreated: created,
    lastaccess: null, name: `moodle-bridge demo: ${c.username}`,
  }))
  return { services, tokens, credentials }
}
