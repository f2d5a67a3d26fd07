import type { Moodle } from '../moodle.ts'
import { readCoreSettings } from '../site/read-settings.ts'

/**
 * Core settings by name in the Items API's order (items-api.md §2.4), first match wins: the
 * service's `items_moodle_config` overrides, then config.php (`$CFG->name`), then `mdl_config`.
 * Absent settings are missing from the map.
 */
export async function readLayeredSettings(
  moodle: Moodle,
  names: readonly string[],
  overrides: Readonly<Record<string, string>>,
): Promise<Map<string, string>> {
  const fromMoodle = names.some((n) => !Object.hasOwn(overrides, n)) ? await readCoreSettings(moodle, names) : new Map<string, string>()
  for (const name of names) if (Object.hasOwn(overrides, name)) fromMoodle.set(name, overrides[name]!)
  return fromMoodle
}
