import { getPluginInventory, usefulLogOf, type PluginEntry, type PluginInventory } from '../../moodle/index.ts'
import { flag, type EndpointHandler } from '../context.ts'
import { RAW_JSON } from '../raw-json.ts'
import { updateInfo, upgradeLogRow } from '../wire.ts'
import { readPendingTargets, withPendingTargets, type PendingTargets } from '../pending-targets.ts'

/** Serialised bodies per inventory and flag combination: rebuilt only when the inventory changes. */
const bodies = new WeakMap<PluginInventory, Map<string, Buffer>>()

/** GET /plugins: installed plugins with updates and upgrade log on request (§4.6). */
export const plugins: EndpointHandler = async (ctx) => {
  const inventory = await getPluginInventory(ctx.deps.moodle)
  const withUpdates = flag(ctx, 'displayupdates')
  const withLog = flag(ctx, 'displayupdateslog')
  const key = `${withUpdates}:${withLog}`
  const pending = withUpdates ? await readPendingTargets(ctx.deps.store, ctx.deps.moodle.reuseMs) : new Map()
  if (pending.size > 0) {
    // Rare (an install awaits its callback): built for this request only.
    return { status: 200, body: { last_check_for_updates: inventory.lastCheck, plugins: installed(inventory).map((p) => pluginElement(inventory, p, withUpdates, withLog, pending)) } }
  }
  let cache = bodies.get(inventory)
  if (!cache) bodies.set(inventory, (cache = new Map()))
  let body = cache.get(key)
  if (body === undefined) {
    body = Buffer.from(JSON.stringify({
      last_check_for_updates: inventory.lastCheck,
      plugins: installed(inventory).map((p) => pluginElement(inventory, p, withUpdates, withLog, pending)),
    }))
    cache.set(key, body)
  }
  return { status: 200, body: { [RAW_JSON]: body } }
}


const installed = (inventory: PluginInventory) => inventory.plugins.filter((p) => p.versionDb !== null)

function pluginElement(inventory: PluginInventory, p: PluginEntry, withUpdates: boolean, withLog: boolean, pending: PendingTargets) {
  return {
    plugin: p.name,
    plugintype: p.type,
    display_name: p.displayName,
    component: p.component,
    version: p.versionDb,
    enabled: p.enabled === true,
    is_standard: p.isStandard,
    has_updates: p.hasUpdates,
    settings_section: p.settingsSection,
    directory: p.disk ? p.disk.dir : null,
    ...(withUpdates && { update_available: withPendingTargets(p.newerUpdates, p.storedUpdates, p.component, pending, (e) => e).map(updateInfo) }),
    ...(withLog && { update_log: usefulLogOf(inventory, p.component).map(upgradeLogRow) }),
  }
}
