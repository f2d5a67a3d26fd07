import { getPluginInventory, readPluginSettings, type PluginEntry, type PluginInventory } from '../../moodle/index.ts'
import { errorReply, flag, ok, param, type EndpointContext, type EndpointHandler, type Reply } from '../context.ts'
import { updateInfo, upgradeLogRow } from '../wire.ts'
import { uninstallPlugin } from './plugin-uninstall.ts'

const SECRET_NAME = /pass|secret|key|token|salt/i
const MASK = '********'

/** GET /plugin (§4.9). */
export const pluginDetails: EndpointHandler = (ctx) => withPlugin(ctx, (inventory, entry) => details(ctx, inventory, entry))

/** POST /plugin/uninstall (§4.10), after the plugin checks. */
export const pluginUninstall: EndpointHandler = (ctx) => withPlugin(ctx, (_inventory, entry) => uninstallPlugin(ctx, entry))

/** POST /plugin with another sub-path: 501, after the plugin checks. */
export const pluginPostOther: EndpointHandler = (ctx) => withPlugin(ctx, async () => errorReply('MB_NOT_IMPLEMENTED'))

/** The plugin checks that come before method dispatch (§4.9); `plugin` is given (route table). */
async function withPlugin(ctx: EndpointContext, then: (inventory: PluginInventory, entry: PluginEntry) => Promise<Reply>): Promise<Reply> {
  const inventory = await getPluginInventory(ctx.deps.moodle)
  const entry = inventory.byComponent.get(param(ctx, 'plugin')!)
  if (!entry) return errorReply('MB_PLUGIN_NOT_FOUND')
  return then(inventory, entry)
}

/**
 * Absolute server paths never appear in this response (§4.9): the Moodle root and dataroot inside
 * a setting's value are shown as `[dirroot]` and `[dataroot]`.
 */
function serverPathHider(dirroot: string, dataroot: string | undefined): (value: string) => string {
  const roots: Array<[string, string]> = [[dirroot, '[dirroot]']]
  if (dataroot) roots.push([dataroot, '[dataroot]'])
  roots.sort((a, b) => b[0].length - a[0].length) // the longer path first when one contains the other
  return (value) => roots.reduce((v, [path, label]) => (path.length > 1 ? v.split(path).join(label) : v), value)
}

async function details(ctx: EndpointContext, inventory: PluginInventory, p: PluginEntry): Promise<Reply> {
  const component = p.component
  const disk = p.disk
  const body: Record<string, unknown> = {
    plugininfo: {
      type: p.type,
      typerootdir: p.typeDir,
      name: p.name,
      displayname: p.displayName,
      source: p.isStandard ? 'std' : 'ext',
      rootdir: disk ? disk.dir : null,
      versiondisk: disk?.version ?? null,
      versiondb: p.versionDb,
      versionrequires: disk?.requires ?? null,
      pluginsupported: disk?.supported ?? null,
      pluginincompatible: disk?.incompatible ?? null,
      release: disk?.release ?? null,
      dependencies: disk?.dependencies ?? {},
      instances: null,
      sortorder: null,
      supported: disk?.supported ?? null,
      incompatible: disk?.incompatible ?? null,
      component: p.component,
    },
  }
  if (flag(ctx, 'displayupdates')) {
    body['last_check_for_updates'] = inventory.lastCheck
    body['update_available'] = p.storedUpdates.map(updateInfo)
  }
  if (flag(ctx, 'displayupdateslog')) body['update_log'] = (inventory.log.get(component) ?? []).map(upgradeLogRow)
  if (flag(ctx, 'displayconfig')) {
    const settings = await readPluginSettings(ctx.deps.moodle, component)
    const config: Record<string, string | null> = {}
    const hidePaths = serverPathHider(ctx.deps.moodle.dirroot, ctx.deps.moodle.dataroot)
    for (const [name, value] of settings) {
      config[name] = !ctx.deps.options.exposeSecretSettings && SECRET_NAME.test(name) ? MASK : hidePaths(value)
    }
    body['pluginconfig'] = config
  }
  return ok(body)
}
