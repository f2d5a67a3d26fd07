import { getPluginInventory, usefulLogOf, type PluginEntry, type PluginInventory } from '../../moodle/index.ts'
import { flag, type EndpointHandler } from '../context.ts'
import { RAW_JSON } from '../raw-json.ts'
import { updateInfo, upgradeLogRow } from '../wire.ts'
import { pendingSignature, readPendingTargets, withPendingTargets, type PendingTargets } from '../pending-targets.ts'

/**
 * Serialised bodies per inventory, keyed by the flags and the pending targets' signature: rebuilt
 * only when the inventory or the pending installs change, never per request.
 */
const bodies = new WeakMap<PluginInventory, Map<string, Buffer>>()
/** Bodies kept per inventory (4 flag combinations × a few pending-target states). */
const MAX_BODIES = 16

/** GET /plugins: installed plugins with updates and upgrade log on request (§4.6). */
export const plugins: EndpointHandler = async (ctx) => {
  const inventory = await getPluginInventory(ctx.deps.moodle)
  const withUpdates = flag(ctx, 'displayupdates')
  const withLog = flag(ctx, 'displayupdateslog')
  const pending: PendingTargets = withUpdates ? await readPendingTargets(ctx.deps.store, ctx.deps.moodle.reuseMs) : new Map()
  return { status: 200, body: { [RAW_JSON]: pluginsBody(inventory, withUpdates, withLog, pending) } }
}

/** The /plugins body for these flags and pending targets, saved per inventory. */
export function pluginsBody(inventory: PluginInventory, withUpdates: boolean, withLog: boolean, pending: PendingTargets): Buffer {
  const key = `${withUpdates}:${withLog}:${pendingSignature(pending)}`
  let cache = bodies.get(inventory)
  if (!cache) bodies.set(inventory, (cache = new Map()))
  let body = cache.get(key)
  if (body === undefined) {
    body = Buffer.from(JSON.stringify({
      last_check_for_updates: inventory.lastCheck,
      plugins: installed(inventory).map((p) => pluginElement(inventory, p, withUpdates, withLog, pending)),
    }))
    cache.set(key, body)
    while (cache.size > MAX_BODIES) cache.delete(cache.keys().next().value!)
  }
  return body
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
