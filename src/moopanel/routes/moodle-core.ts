import {
  availableCoreUpdates, coreUpdateType, getPluginInventory, type AvailableUpdate, type CoreUpdate, type PluginInventory,
} from '../../moodle/index.ts'
import { readPendingTargets, withPendingTargets, type PendingTargets } from '../pending-targets.ts'
import { RAW_JSON } from '../raw-json.ts'
import { ok, type EndpointHandler } from '../context.ts'
import { coreUpdateInfo, upgradeLogRow } from '../wire.ts'

/** GET /moodle_core: installed core, available core updates, core upgrade log (§4.11). */
export const moodleCore: EndpointHandler = async (ctx) => {
  const inventory = await getPluginInventory(ctx.deps.moodle)
  const pending = await readPendingTargets(ctx.deps.store, ctx.deps.moodle.reuseMs)
  if (pending.has('core')) return ok(coreInfo(inventory, pending))
  let body = bodies.get(inventory)
  if (body === undefined) bodies.set(inventory, (body = JSON.stringify(coreInfo(inventory))))
  return ok({ [RAW_JSON]: body })
}

/** Serialised answers per inventory: rebuilt only when the inventory changes. */
const bodies = new WeakMap<PluginInventory, string>()

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
