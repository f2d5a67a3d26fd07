import { getPluginInventory, usefulLogOf, type PluginEntry, type PluginInventory } from '../../moodle/index.ts'
import { flag, type EndpointHandler } from '../context.ts'
import { RAW_JSON } from '../raw-json.ts'
import { updateInfo, upgradeLogRow } from '../wire.ts'

/** Serialised bodies per inventory and flag combination: rebuilt only when the inventory changes. */
const bodies = new WeakMap<PluginInventory, Map<string, Buffer>>()

/** GET /plugins: installed plugins with updates and upgrade log on request (§4.6). */
export const plugins: EndpointHandler = async (ctx) => {
  const inventory = await getPluginInventory(ctx.deps.moodle)
  const withUpdates = flag(ctx, 'displayupdates')
  const withLog = flag(ctx, 'displayupdateslog')
  const key = `${withUpdates}:${withLog}`
  let cache = bodies.get(inventory)
  if (!cache) bodies.set(inventory, (cache = new Map()))
  let body = cache.get(key)
  if (body === undefined) {
    body = Buffer.from(JSON.stringify({
      last_check_for_updates: inventory.lastCheck,
      plugins: inventory.plugins
        .filter((p) => p.versionDb !== null)
        .map((p) => pluginElement(inventory, p, withUpdates, withLog)),
    }))
    cache.set(key, body)
  }
  return { status: 200, body: { [RAW_JSON]: body } }
}


function pluginElement(inventory: PluginInventory, p: PluginEntry, withUpdates: boolean, withLog: boolean) {
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
    ...(withUpdates && { update_available: p.newerUpdates.map(updateInfo) }),
    ...(withLog && { update_log: usefulLogOf(inventory, p.component).map(upgradeLogRow) }),
  }
}
