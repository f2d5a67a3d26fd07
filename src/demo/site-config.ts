import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { SqlRow } from './bulk-insert.ts'
import { DEMO_ADDONS, MISSING_ADDON } from './demo-addons.ts'
import { DAY, DEMO_CORE, HOUR, type DemoContext } from './demo-context.ts'
import type { PluginInventory } from './plugin-inventory.ts'
import { ALPHANUMERIC } from './random.ts'
import { updateServerResponse } from './update-response.ts'

/** The site logo setting (a file in the `core_admin`/`logo` area, see demo-files.ts). */
export const LOGO_PATH = '/demo-logo.png'

interface StockConfig {
  config: Record<string, string>
  config_plugins: Record<string, Record<string, string>>
}

/** A setting the admin changed after installation, logged in `mdl_config_log`. */
interface Change { daysAgo: number; plugin: string | null; name: string; from: string; to: string; secret?: boolean }

/** Later admin changes; each `to` is also the setting's current value. */
const CHANGES: readonly Change[] = [
  { daysAgo: 415, plugin: null, name: 'auth', from: '', to: 'email' },
  { daysAgo: 380, plugin: null, name: 'enablewebservices', from: '0', to: '1' },
  { daysAgo: 380, plugin: null, name: 'webserviceprotocols', from: '', to: 'rest' },
  { daysAgo: 300, plugin: null, name: 'texteditors', from: 'tiny,atto,tinymce,textarea', to: 'tiny,textarea' },
  { daysAgo: 100, plugin: 'core_admin', name: 'logo', from: '', to: LOGO_PATH },
  { daysAgo: 60, plugin: 'auth_ldap', name: 'bind_pw', from: '', to: '{secret}', secret: true },
  { daysAgo: 10, plugin: 'local_bridgedemo', name: 'syncinterval', from: '900', to: '3600' },
  { daysAgo: 2, plugin: null, name: 'sessiontimeout', from: '28800', to: '14400' },
]

/** Rows of `mdl_config`, `mdl_config_plugins` and `mdl_config_log`. */
export interface SiteConfigRows { config: SqlRow[]; configPlugins: SqlRow[]; configLog: SqlRow[] }

/**
 * The site's configuration: Moodle 4.5's stock settings (stock-config.json) with the demo's
 * values on top, a `version` row per installed plugin, the stored update-check answer, and the
 * history of it all in `mdl_config_log`.
 */
export async function buildSiteConfig(ctx: DemoContext, inventory: PluginInventory, themerev: number): Promise<SiteConfigRows> {
  const r = ctx.random('config')
  const secret = (length: number) => r.string(length, ALPHANUMERIC)
  const stock = JSON.parse(await readFile(new URL('./stock-config.json', import.meta.url), 'utf8')) as StockConfig
  const host = new URL(ctx.wwwroot).host
  const versions = inventory.plugins.filter((p) => p.installedVersion !== null)

  const config = new Map(Object.entries(stock.config))
  const core: Record<string, string> = {
    version: String(DEMO_CORE.version), release: DEMO_CORE.release, branch: DEMO_CORE.branch,
    siteidentifier: `${secret(32)}${host}`,
    allversionshash: sha1(JSON.stringify(versions.map((p) => [p.component, p.installedVersion]))),
    allcomponenthash: sha1(inventory.plugins.map((p) => p.component).join(',')),
    theme: 'boost', siteguest: '1', siteadmins: '2', mnet_localhost_id: '1', mnet_all_hosts_id: '2',
    lang: 'en', themerev: String(themerev), jsrev: String(themerev), templaterev: String(themerev),
    langrev: String(themerev), localcachedirpurged: String(themerev), scheduledtaskreset: String(themerev),
    themedesignermode: '0', slasharguments: '1', updateminmaturity: '200', updatenotifybuilds: '0',
    updateautocheck: '1', timezone: 'Europe/London', forcetimezone: '99', auth: 'email',
    enrol_plugins_enabled: 'manual,guest,self,cohort', texteditors: 'tiny,textarea',
    media_plugins_sortorder: 'videojs,youtube', converter_plugins_sortorder: 'unoconv',
    paygw_plugins_sortorder: 'paypal', antiviruses: '', enablewebservices: '1', webserviceprotocols: 'rest',
    mnet_dispatcher_mode: 'off', dbsessions: '0', sessiontimeout: '14400',
    cookiesecure: ctx.wwwroot.startsWith('https:') ? '1' : '0',
    supportemail: 'support@demo.moodle.test', supportname: 'Demo Campus Helpdesk', noreplyaddress: 'noreply@demo.moodle.test',
    badges_badgesalt: `badges${ctx.installedAt}`, calendar_exportsalt: secret(60),
    geoip2file: `${ctx.dataroot}/geoip/GeoIP-City.mmdb`,
  }
  for (const [name, value] of Object.entries(core)) config.set(name, value)

  const plugins = new Map<string, Map<string, string>>()
  const setPlugin = (plugin: string, name: string, value: string) => {
    let settings = plugins.get(plugin)
    if (!settings) plugins.set(plugin, (settings = new Map()))
    settings.set(name, value)
  }
  for (const plugin of versions) setPlugin(plugin.component, 'version', String(plugin.installedVersion))
  const notInstalled = new Set(inventory.plugins.filter((p) => p.installedVersion === null).map((p) => p.component))
  for (const [plugin, settings] of Object.entries(stock.config_plugins)) {
    if (notInstalled.has(plugin)) continue
    for (const [name, value] of Object.entries(settings)) setPlugin(plugin, name, value.replaceAll('{wwwroot}', ctx.wwwroot))
  }
  const fetchedAt = ctx.now - 2 * HOUR
  const generated: Array<[string, string, string]> = [
    ['question', 'calculatedmulti_disabled', '1'],
    ['tool_log', 'enabled_stores', 'logstore_standard'],
    ['core_admin', 'logo', LOGO_PATH],
    ['core_admin', 'logocompact', ''],
    ['core_plugin', 'recentfetch', String(fetchedAt)],
    ['core_plugin', 'recentresponse', updateServerResponse(r, fetchedAt)],
    ['theme_boost', 'themerev', String(themerev)],
    ['theme_classic', 'themerev', String(themerev)],
    ['tool_task', 'lastcronstart', String(ctx.now - 40)],
    ['tool_task', 'lastcroninterval', '60'],
    ['enrol_manual', 'expirynotifylast', String(ctx.now - 6 * HOUR)],
    ['enrol_self', 'expirynotifylast', String(ctx.now - 6 * HOUR)],
    ['auth_ldap', 'host_url', 'ldaps://ldap.demo.moodle.test'],
    ['auth_ldap', 'user_type', 'rfc2307'],
    ['auth_ldap', 'contexts', 'ou=people,dc=demo,dc=moodle,dc=test'],
    ['auth_ldap', 'bind_dn', 'cn=moodle-bind,ou=services,dc=demo,dc=moodle,dc=test'],
    ['auth_ldap', 'bind_pw', secret(20)],
  ]
  for (const addon of [...DEMO_ADDONS, MISSING_ADDON]) {
    if (addon.history.length === 0) continue
    for (const [name, value] of Object.entries(addon.settings)) generated.push([addon.component, name, value === '{secret}' ? secret(32) : value])
  }
  for (const [plugin, name, value] of generated) setPlugin(plugin, name, value)

  let configId = 0
  let pluginId = 0
  return {
    config: [...config].map(([name, value]) => ({ id: ++configId, name, value })),
    configPlugins: [...plugins].flatMap(([plugin, settings]) =>
      [...settings].map(([name, value]) => ({ id: ++pluginId, plugin, name, value }))),
    configLog: configLog(ctx, stock, plugins),
  }
}

/** Install-time defaults (user 0), add-on settings at their installation, then the admin's changes. */
function configLog(ctx: DemoContext, stock: StockConfig, plugins: Map<string, Map<string, string>>): SqlRow[] {
  const rows: Array<Omit<SqlRow, 'id'> & { timemodified: number }> = []
  const log = (time: number, userid: number, plugin: string | null, name: string, value: string | null, oldvalue: string | null) =>
    rows.push({ userid, timemodified: time, plugin, name, value, oldvalue })
  const initial = (plugin: string | null, name: string, value: string) =>
    CHANGES.find((c) => c.plugin === plugin && c.name === name)?.from ?? value
  // The installer writes every default, about 25 a second.
  const installTime = () => ctx.installedAt + 5 + Math.floor(rows.length / 25)

  for (const [name, value] of Object.entries(stock.config)) log(installTime(), 0, null, name, initial(null, name, value), null)
  for (const [plugin, settings] of Object.entries(stock.config_plugins)) {
    if (!plugins.has(plugin)) continue
    for (const [name, value] of Object.entries(settings)) log(installTime(), 0, plugin, name, initial(plugin, name, value), null)
  }
  for (const addon of DEMO_ADDONS) {
    const installed = addon.history[0]
    if (!installed) continue
    const time = ctx.now - installed.daysAgo * DAY + 11 * HOUR
    for (const [name] of Object.entries(addon.settings)) {
      const value = plugins.get(addon.component)?.get(name) ?? ''
      const masked = name === 'apitoken' ? '********' : initial(addon.component, name, value)
      log(time, 2, addon.component, name, masked, null)
    }
  }
  for (const change of CHANGES) {
    const time = ctx.now - change.daysAgo * DAY + 14 * HOUR + change.name.length * 7
    // Moodle writes password settings to the log as ******** (admin_setting_configpasswordunmask).
    const mask = (value: string) => (change.secret && value !== '' ? '********' : value)
    log(time, 2, change.plugin, change.name, mask(change.to), mask(change.from))
  }
  rows.sort((a, b) => a.timemodified - b.timemodified)
  return rows.map((row, index) => ({ id: index + 1, ...row }))
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex')
}
