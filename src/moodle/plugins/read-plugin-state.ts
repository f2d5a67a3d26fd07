import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import type { Moodle } from '../moodle.ts'
import { recheck } from '../recheck.ts'
import { findSystemContextId } from '../site/site-identity.ts'
import { ENABLED_CORE_SETTINGS, ENABLED_SETTING_NAMES } from './enabled-state.ts'
import { upgradeLogSignature } from './upgrade-log.ts'
import { dbInt } from '../../shared/db-integer.ts'

/** Database facts behind the plugin inventory, read in four small queries. */
export interface PluginDbState {
  /** component → installed version (config_plugins `version` rows). */
  versions: Map<string, string>
  /** plugin → name → value for flag settings, `question` settings and the update-checker rows. */
  pluginSettings: Map<string, Map<string, string>>
  core: Map<string, string>
  /** kind → name → flag (modules, blocks, message processors, repositories, portfolios, filters). */
  rows: Map<string, Map<string, number>>
  logSignature: string
  /** Hash of everything above: equal hashes mean an equal inventory. */
  hash: string
}

/** Core settings the inventory reads besides the enabled-state ones. */
const CORE_SETTINGS = [...ENABLED_CORE_SETTINGS, 'release', 'version', 'lang', 'updateminmaturity', 'updatenotifybuilds', 'format_plugins_sortorder']
const PLUGIN_SETTING_NAMES = ['version', ...ENABLED_SETTING_NAMES, 'recentfetch', 'recentresponse']

/** The plugin-related database state (installed versions, enabled inputs, update data), re-read at most every 250 ms. */
export function readPluginDbState(moodle: Moodle): Promise<PluginDbState> {
  return recheck(moodle, 'plugin-db-state', () => loadPluginDbState(moodle))
}

async function loadPluginDbState(moodle: Moodle): Promise<PluginDbState> {
  const [pluginRows, coreRows, flagRows, logSignature] = await Promise.all([
    moodle.db
      .selectFrom('mdl_config_plugins')
      .select(['plugin', 'name', 'value'])
      .where((eb) => eb.or([eb('name', 'in', PLUGIN_SETTING_NAMES), eb('plugin', '=', 'question')]))
      .orderBy('id')
      .execute(),
    moodle.db.selectFrom('mdl_config').select(['name', 'value']).where('name', 'in', CORE_SETTINGS).execute(),
    readFlagRows(moodle),
    upgradeLogSignature(moodle),
  ])
  const versions = new Map<string, string>()
  const pluginSettings = new Map<string, Map<string, string>>()
  const put = (plugin: string, name: string, value: string) => {
    if (name === 'version') versions.set(plugin, value)
    let m = pluginSettings.get(plugin)
    if (!m) pluginSettings.set(plugin, (m = new Map()))
    m.set(name, value)
  }
  for (const r of pluginRows) put(r.plugin, r.name, r.value)
  for (const [plugin, forced] of moodle.forcedPluginSettings) {
    for (const [name, value] of forced) if (PLUGIN_SETTING_NAMES.includes(name) || plugin === 'question') put(plugin, name, value)
  }
  const core = new Map(coreRows.map((r) => [r.name, r.value]))
  for (const name of CORE_SETTINGS) {
    const forced = moodle.forcedSettings.get(name)
    if (forced !== undefined) core.set(name, forced)
  }
  const rows = new Map<string, Map<string, number>>()
  for (const r of flagRows) {
    let m = rows.get(r.kind)
    if (!m) rows.set(r.kind, (m = new Map()))
    const flag = dbInt(r.flag)
    // portfolio: some visible instance is enough
    if (!(r.kind === 'portfolio' && m.get(r.name) === 1)) m.set(r.name, flag)
  }
  const hash = createHash('sha1')
    .update(JSON.stringify([pluginRows, [...core], flagRows, logSignature]))
    .digest('hex')
  return { versions, pluginSettings, core, rows, logSignature, hash }
}

interface FlagRow { kind: string; name: string; flag: unknown }

async function readFlagRows(moodle: Moodle): Promise<FlagRow[]> {
  const systemContextId = await findSystemContextId(moodle)
  const t = (name: string) => sql.table(`${moodle.prefix}${name}`)
  const result = await sql<FlagRow>`
    SELECT 'mod' AS kind, name, visible AS flag FROM ${t('modules')}
    UNION ALL SELECT 'block', name, visible FROM ${t('block')}
    UNION ALL SELECT 'message', name, enabled FROM ${t('message_processors')}
    UNION ALL SELECT 'repository', type, 1 FROM ${t('repository')}
    UNION ALL SELECT 'portfolio', plugin, visible FROM ${t('portfolio_instance')}
    UNION ALL SELECT 'filter', filter, active FROM ${t('filter_active')} WHERE contextid = ${systemContextId}
    ORDER BY 1, 2, 3`.execute(moodle.db)
  return result.rows.map((r) => ({ kind: String(r.kind), name: String(r.name), flag: r.flag }))
}
