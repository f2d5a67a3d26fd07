import type { Moodle } from '../moodle.ts'

/**
 * Core settings (`config` table) by name, with config.php's forced values laid on top, as Moodle
 * merges them (moodle.md §0.1). Absent settings are missing from the map.
 */
export async function readCoreSettings(moodle: Moodle, names: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  if (names.length === 0) return out
  const rows = await moodle.db.selectFrom('mdl_config').select(['name', 'value']).where('name', 'in', names).execute()
  for (const row of rows) out.set(row.name, row.value)
  for (const name of names) {
    const forced = moodle.forcedSettings.get(name)
    if (forced !== undefined) out.set(name, forced)
  }
  return out
}

/** One plugin's settings (`config_plugins`), with config.php's `forced_plugin_settings` on top. */
export async function readPluginSettings(moodle: Moodle, plugin: string): Promise<Map<string, string>> {
  const rows = await moodle.db
    .selectFrom('mdl_config_plugins')
    .select(['name', 'value'])
    .where('plugin', '=', plugin)
    .orderBy('id')
    .execute()
  const out = new Map<string, string>(rows.map((r) => [r.name, r.value]))
  for (const [name, value] of moodle.forcedPluginSettings.get(plugin) ?? []) out.set(name, value)
  return out
}

/** Settings of several plugins restricted to some names: plugin → name → value. */
export async function readPluginSettingsWhere(
  moodle: Moodle,
  names: readonly string[],
): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>()
  if (names.length === 0) return out
  const rows = await moodle.db
    .selectFrom('mdl_config_plugins')
    .select(['plugin', 'name', 'value'])
    .where('name', 'in', names)
    .execute()
  const put = (plugin: string, name: string, value: string) => {
    let m = out.get(plugin)
    if (!m) out.set(plugin, (m = new Map()))
    m.set(name, value)
  }
  for (const row of rows) put(row.plugin, row.name, row.value)
  for (const [plugin, settings] of moodle.forcedPluginSettings) {
    for (const [name, value] of settings) if (names.includes(name)) put(plugin, name, value)
  }
  return out
}
