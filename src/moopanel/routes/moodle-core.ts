import {
  availableCoreUpdates, coreUpdateType, getPluginInventory, type AvailableUpdate, type CoreUpdate, type PluginInventory,
} from '../../moodle/index.ts'
import { pendingSignature, readPendingTargets, withPendingTargets, type PendingTargets } from '../pending-targets.ts'
import { RAW_JSON } from '../raw-json.ts'
import { ok, type EndpointHandler } from '../context.ts'
import { coreUpdateInfo, upgradeLogRow } from '../wire.ts'

/** GET /moodle_core: installed core, available core updates, core upgrade log (§4.11). */
export const moodleCore: EndpointHandler = async (ctx) => {
  const inventory = await getPluginInventory(ctx.deps.moodle)
  const pending = await readPendingTargets(ctx.deps.store, ctx.deps.moodle.reuseMs)
  return ok({ [RAW_JSON]: moodleCoreBody(inventory, pending) })
}

/** The /moodle_core body for these pending targets (only core's count), saved per inventory. */
export function moodleCoreBody(inventory: PluginInventory, pending: PendingTargets): string {
  const key = pendingSignature(pending, 'core')
  let cache = bodies.get(inventory)
  if (!cache) bodies.set(inventory, (cache = new Map()))
  let body = cache.get(key)
  if (body === undefined) {
    body = JSON.stringify(coreInfo(inventory, pending))
    cache.set(key, body)
    while (cache.size > MAX_BODIES) cache.delete(cache.keys().next().value!)
  }
  return body
}

/** Serialised answers per inventory and pending core targets: rebuilt only when either changes. */
const bodies = new WeakMap<PluginInventory, Map<string, string>>()
const MAX_BODIES = 8

function coreInfo(inventory: PluginInventory, pending: PendingTargets = new Map()) {
  const stored = inventory.updates.byComponent.get('core') ?? []
  const extend = (entry: AvailableUpdate): CoreUpdate | null => {
    const type = coreUpdateType(inventory.core.release, entry.release)
    return type ? { ...entry, type } : null
  }
  return {
    current_version: inventory.core.version,
    current_release: inventory.core.release,
    last_check_for_updates: inventory.lastCheck,
    update_available: withPendingTargets(availableCoreUpdates(inventory), stored, 'core', pending, extend).map(coreUpdateInfo),
    update_log: (inventory.log.get('core') ?? []).map(upgradeLogRow),
  }
}
