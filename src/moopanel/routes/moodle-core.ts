import { availableCoreUpdates, getPluginInventory, type PluginInventory } from '../../moodle/index.ts'
import { RAW_JSON } from '../raw-json.ts'
import { ok, type EndpointHandler } from '../context.ts'
import { coreUpdateInfo, upgradeLogRow } from '../wire.ts'

/** GET /moodle_core: installed core, available core updates, core upgrade log (§4.11). */
export const moodleCore: EndpointHandler = async (ctx) => {
  const inventory = await getPluginInventory(ctx.deps.moodle)
  let body = bodies.get(inventory)
  if (body === undefined) bodies.set(inventory, (body = JSON.stringify(coreInfo(inventory))))
  return ok({ [RAW_JSON]: body })
}

/** Serialised answers per inventory: rebuilt only when the inventory changes. */
const bodies = new WeakMap<PluginInventory, string>()

function coreInfo(inventory: PluginInventory) {
  return {
    current_version: inventory.core.version,
    current_release: inventory.core.release,
    last_check_for_updates: inventory.lastCheck,
    update_available: availableCoreUpdates(inventory).map(coreUpdateInfo),
    update_log: (inventory.log.get('core') ?? []).map(upgradeLogRow),
  }
}
