import { availableCoreUpdates, getPluginInventory } from '../../moodle/index.ts'
import { ok, type EndpointHandler } from '../context.ts'
import { coreUpdateInfo, upgradeLogRow } from '../wire.ts'

/** GET /moodle_core: installed core, available core updates, core upgrade log (§4.11). */
export const moodleCore: EndpointHandler = async (ctx) => {
  const inventory = await getPluginInventory(ctx.deps.moodle)
  return ok({
    current_version: inventory.core.version,
    current_release: inventory.core.release,
    last_check_for_updates: inventory.lastCheck,
    update_available: availableCoreUpdates(inventory).map(coreUpdateInfo),
    update_log: (inventory.log.get('core') ?? []).map(upgradeLogRow),
  })
}
