import type { Moodle } from '../moodle.ts'
import { dbInt } from '../../shared/db-integer.ts'
import { readSystemContextId } from './system-context.ts'

const CAP_ALLOW = 1
const CAP_PROHIBIT = -1000

/**
 * Whether the user holds `capability` at system context from role definitions alone
 * (items-api.md §6.2 steps 2–6; the site-administrator rule is the caller's): the capability must
 * exist in `mdl_capabilities`; the roles are the user's system-context assignments plus
 * `defaultRoleId` (0 = none); any prohibit denies, otherwise one allow grants. One query, read
 * afresh on every call.
 */
export async function holdsSystemCapability(
  moodle: Moodle,
  query: { userId: number; capability: string; defaultRoleId: number },
): Promise<boolean> {
  const systemId = await readSystemContextId(moodle)
  const { userId, capability, defaultRoleId } = query
  const rows = await moodle.db
    .selectFrom('mdl_role_capabilities as rc')
    .select(['rc.capability', 'rc.permission'])
    .where('rc.contextid', '=', systemId)
    .where('rc.capability', '=', capability)
    .where((eb) =>
      eb.or([
        eb(
          'rc.roleid',
          'in',
          eb.selectFrom('mdl_role_assignments as ra').select('ra.roleid').where('ra.userid', '=', userId).where('ra.contextid', '=', systemId),
        ),
        ...(defaultRoleId > 0 ? [eb('rc.roleid', '=', defaultRoleId)] : []),
      ]),
    )
    .where((eb) => eb.exists(eb.selectFrom('mdl_capabilities as c').select('c.id').where('c.name', '=', capability)))
    .execute()
  // Exact names only: MySQL's collation would also match names that differ in case.
  const permissions = rows.filter((r) => r.capability === capability).map((r) => dbInt(r.permission))
  if (permissions.includes(CAP_PROHIBIT)) return false
  return permissions.includes(CAP_ALLOW)
}

/** Which of `names` have no row in `mdl_capabilities` (exact names), in the given order. */
export async function findUnknownCapabilities(moodle: Moodle, names: readonly string[]): Promise<string[]> {
  const wanted = [...new Set(names)]
  if (wanted.length === 0) return []
  const rows = await moodle.db.selectFrom('mdl_capabilities').select('name').where('name', 'in', wanted).execute()
  const known = new Set(rows.map((r) => r.name))
  return names.filter((n, i) => !known.has(n) && names.indexOf(n) === i)
}
