import { readFileSync } from 'node:fs'
import type { BulkInsert } from './bulk-insert.ts'
import type { DemoContext } from './demo-context.ts'
import { SYSTEM_CONTEXT_ID } from './insert-contexts.ts'

/** Stock capabilities and the stock roles' system-context permissions (scripts/extract-demo-data.ts). */
interface StockRoles {
  capabilities: Array<[name: string, captype: string, contextlevel: number, component: string, riskbitmask: number]>
  role_capabilities: Array<[roleid: number, capability: string, permission: number]>
}

const MANAGER_ROLE = 1

/**
 * The capabilities of MIDDAG's Moodle plugin (`local_middag`), which guard the Items API's stored
 * types (items-api.md §6.3). A real site has them only with that plugin installed; the demo
 * declares them as the plugin would and grants them to the manager role, so that a system manager
 * may use every item type and a user without a system role none (docs: README, Try the demo).
 */
export const MIDDAG_CAPABILITIES = [
  ['local/middag:manage', 'write', 10, 'local_middag', 0],
  ['local/middag:coursegroup_manage', 'write', 10, 'local_middag', 0],
] as const

/** Inserts `mdl_capabilities` (stock + MIDDAG's) and the system-context `mdl_role_capabilities`. */
export async function insertRoles(ctx: DemoContext, out: BulkInsert): Promise<{ capabilities: number; roleCapabilities: number }> {
  const stock = JSON.parse(readFileSync(new URL('./stock-roles.json', import.meta.url), 'utf8')) as StockRoles
  const capabilities = [...stock.capabilities, ...MIDDAG_CAPABILITIES]
  for (const [index, [name, captype, contextlevel, component, riskbitmask]] of capabilities.entries()) {
    await out.insert('mdl_capabilities', { id: index + 1, name, captype, contextlevel, component, riskbitmask })
  }
  const grants = [...stock.role_capabilities, ...MIDDAG_CAPABILITIES.map(([name]) => [MANAGER_ROLE, name, 1] as const)]
  for (const [index, [roleid, capability, permission]] of grants.entries()) {
    await out.insert('mdl_role_capabilities', {
      id: index + 1, contextid: SYSTEM_CONTEXT_ID, roleid, capability, permission, timemodified: ctx.installedAt, modifierid: 0,
    })
  }
  return { capabilities: capabilities.length, roleCapabilities: grants.length }
}
