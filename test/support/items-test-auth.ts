/**
 * TEMPORARY test authenticator for the Items API tests, written before src/items/auth landed and
 * kept so the route tests do not depend on creating tokens in the shared fixture database.
 * `Authorization: Bearer test-user-<id>` authenticates Moodle user <id> if the row passes the
 * common user checks of items-api.md §5.2; capabilities follow §6.2 over the real role tables.
 * Anything else → 401 (missing_credentials when no Authorization header).
 */
import type { Kysely } from 'kysely'
import type { AuthOutcome, AuthRequest, ItemsAuthenticator, Principal } from '../../src/items/index.ts'
import type { Moodle } from '../../src/moodle/index.ts'

type Db = Kysely<Record<string, Record<string, any>>>

export interface TestAuthOptions {
  /** Capabilities granted to every user by the test (in addition to the role tables). */
  grants?: Map<number, Set<string>>
  /** Counts calls, for tests that check authentication happens (or not). */
  calls?: { authenticate: number }
}

export function createTestItemsAuthenticator(moodle: Moodle, options: TestAuthOptions = {}): ItemsAuthenticator {
  const db = moodle.db as unknown as Db
  const setting = async (name: string) => (await db.selectFrom('mdl_config').select('value').where('name', '=', name).executeTakeFirst())?.value as string | undefined
  const refuse = (reason: 'missing_credentials' | 'invalid_credentials'): AuthOutcome => ({
    ok: false,
    refusal: { status: 401, reason, headers: { 'www-authenticate': 'Bearer realm="moodle-bridge"' } },
  })
  return {
    async authenticate(request: AuthRequest): Promise<AuthOutcome> {
      if (options.calls) options.calls.authenticate++
      const header = request.headers.authorization
      if (header === undefined) return refuse('missing_credentials')
      const m = /^Bearer +test-user-([1-9][0-9]{0,9})$/i.exec(String(header))
      if (!m) return refuse('invalid_credentials')
      const id = Number(m[1])
      const user = await db.selectFrom('mdl_user').select(['id', 'deleted', 'suspended', 'confirmed', 'auth']).where('id', '=', id).executeTakeFirst()
      const guest = Number((await setting('siteguest')) ?? 0)
      if (!user || id === guest || Number(user.deleted) !== 0 || Number(user.suspended) !== 0 || Number(user.confirmed) !== 1 || user.auth === 'nologin') {
        return refuse('invalid_credentials')
      }
      const admins = ((await setting('siteadmins')) ?? '').split(',').map((s) => Number(s.trim()))
      const principal: Principal = { userId: id, via: 'jwt', tokenId: null, siteAdmin: admins.includes(id) }
      return { ok: true, principal }
    },
    async has(principal: Principal, capability: string): Promise<boolean> {
      if (principal.siteAdmin) return true
      if (options.grants?.get(principal.userId)?.has(capability)) return true
      const known = await db.selectFrom('mdl_capabilities').select('id').where('name', '=', capability).executeTakeFirst()
      if (!known) return false
      const sys = await db.selectFrom('mdl_context').select('id').where('contextlevel', '=', 10).executeTakeFirst()
      if (!sys) return false
      const roles = (await db.selectFrom('mdl_role_assignments').select('roleid').where('userid', '=', principal.userId).where('contextid', '=', sys.id).execute()).map((r) => Number(r.roleid))
      const def = Number((await setting('defaultuserroleid')) ?? 0)
      if (def) roles.push(def)
      if (roles.length === 0) return false
      const perms = (
        await db.selectFrom('mdl_role_capabilities').select('permission').where('contextid', '=', sys.id).where('capability', '=', capability).where('roleid', 'in', roles).execute()
      ).map((r) => Number(r.permission))
      if (perms.includes(-1000)) return false
      return perms.includes(1)
    },
    async unknownCapabilities(capabilities: string[]): Promise<string[]> {
      if (capabilities.length === 0) return []
      const rows = await db.selectFrom('mdl_capabilities').select('name').where('name', 'in', capabilities).execute()
      const known = new Set(rows.map((r) => r.name as string))
      return capabilities.filter((c) => !known.has(c))
    },
    async close() {},
  }
}
