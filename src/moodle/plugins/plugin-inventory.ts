import type { Moodle } from '../moodle.ts'
import { getDiskCatalog, type DiskCatalog } from './plugin-catalog.ts'
import { enabledStateOf } from './enabled-state.ts'
import { readPluginDbState, type PluginDbState } from './read-plugin-state.ts'
import type { DiskPlugin } from './scan-plugins.ts'
import { settingsSectionOf } from './settings-section.ts'
import { compareVersions, parseStoredUpdates, type AvailableUpdate, type StoredUpdates } from './update-info.ts'
import { isUsefulUpgradeRow, listUpgradeLog, type UpgradeLogEntry } from './upgrade-log.ts'

/** A plugin as Moodle's plugin manager knows it: on disk, installed, or both. */
export interface PluginEntry {
  component: string
  type: string
  name: string
  /** Folder relative to the Moodle root of its type, e.g. `/mod`. */
  typeDir: string
  displayName: string
  /** Installed version as stored, null when not installed. */
  versionDb: string | null
  /** What version.php declares; null when the code folder is missing. */
  disk: DiskPlugin | null
  enabled: boolean | null
  isStandard: boolean
  settingsSection: string | null
  /** Every stored update entry for the component, unfiltered. */
  storedUpdates: AvailableUpdate[]
  /** Stored entries newer than the code (the database version when the code is missing). */
  newerUpdates: AvailableUpdate[]
  /** Some newer entry reaches Moodle's `updateminmaturity`. */
  hasUpdates: boolean
  /** Installed, but its type is no longer known (a subplugin type whose parent's code is gone). */
  orphaned: boolean
}

/** The whole inventory; the same object is returned while nothing changed (compare `revision`). */
export interface PluginInventory {
  revision: string
  lastCheck: string | null
  /** Installed plugins in Moodle's order, then disk-only ones. */
  plugins: PluginEntry[]
  byComponent: Map<string, PluginEntry>
  /** Upgrade-log rows per component (core under `core`), newest first, unfiltered. */
  log: Map<string, UpgradeLogEntry[]>
  updates: StoredUpdates
  core: { version: string; release: string; notifyBuilds: boolean }
}

const MEMO_KEY = 'plugins/inventory'

interface Memo {
  inventory: PluginInventory
  logSignature: string
  state: PluginDbState
  catalog: DiskCatalog
}
const DEFAULT_MIN_MATURITY = 200

/**
 * The plugin inventory from the Moodle root and database, with no network I/O and no PHP. The disk
 * part is memoised with file-time checks; the database part is read on every call (four queries)
 * and hashed, so the previously built inventory is reused whenever nothing changed.
 */
export async function getPluginInventory(moodle: Moodle): Promise<PluginInventory> {
  const state = await readPluginDbState(moodle)
  const lang = state.core.get('lang') ?? 'en'
  const catalog = await getDiskCatalog(moodle, lang)
  const memo = moodle.memo.get(MEMO_KEY) as Memo | undefined
  if (memo && memo.state === state && memo.catalog === catalog) return memo.inventory
  const revision = `${state.hash}:${hashString(catalog.fingerprint)}`
  if (memo?.inventory.revision === revision) {
    moodle.memo.set(MEMO_KEY, { ...memo, state, catalog })
    return memo.inventory
  }
  // Concurrent callers that see the same new revision share one build.
  let build = building.get(moodle)
  if (build?.revision !== revision) {
    builds.set(moodle, inventoryBuildCount(moodle) + 1)
    const promise = buildInventory(moodle, state, catalog, revision, memo)
    const entry = { revision, promise }
    building.set(moodle, (build = entry))
    void promise.catch(() => undefined).finally(() => building.get(moodle) === entry && building.delete(moodle))
  }
  const inventory = await build.promise
  moodle.memo.set(MEMO_KEY, { inventory, logSignature: state.logSignature, state, catalog })
  return inventory
}

const building = new WeakMap<Moodle, { revision: string; promise: Promise<PluginInventory> }>()
const builds = new WeakMap<Moodle, number>()

/** How many inventories were built for this site so far (warm-start test and diagnostics). */
export function inventoryBuildCount(moodle: Moodle): number {
  return builds.get(moodle) ?? 0
}

/** Builds the inventory from the database state and the disk catalog (reusing the log when unchanged). */
async function buildInventory(
  moodle: Moodle,
  state: PluginDbState,
  catalog: DiskCatalog,
  revision: string,
  memo: Memo | undefined,
): Promise<PluginInventory> {
  const log =
    memo && memo.logSignature === state.logSignature ? memo.inventory.log : groupByPlugin(await listUpgradeLog(moodle))
  const release = state.core.get('release') ?? ''
  const updates = parseStoredUpdates(
    state.pluginSettings.get('core_plugin')?.get('recentfetch'),
    state.pluginSettings.get('core_plugin')?.get('recentresponse'),
    release,
  )
  const minMaturity = Number(state.core.get('updateminmaturity') ?? DEFAULT_MIN_MATURITY) || DEFAULT_MIN_MATURITY
  const typeDirs = new Map(catalog.scan.types.map((t) => [t.type, `/${t.dir}`]))
  const typeRank = new Map(catalog.scan.types.map((t, i) => [t.type, i]))
  const installed = new Set(state.versions.keys())
  const inputs = { core: state.core, plugins: state.pluginSettings, rows: state.rows, installed }
  const entries: PluginEntry[] = []
  const seen = new Set<string>()
  const build = (component: string, type: string, name: string, disk: DiskPlugin | null, orphaned = false): PluginEntry => {
    const versionDb = state.versions.get(component) ?? null
    const stored = updates.byComponent.get(component) ?? []
    const baseline = disk?.version != null ? String(disk.version) : versionDb
    // Moodle's plugin manager offers no update for a plugin whose code is missing (moodle.md §2.5).
    const newer = disk === null ? [] : baseline === null ? stored : stored.filter((u) => compareVersions(u.version, baseline) > 0)
    const standardNames = catalog.scan.typeMap.standard.get(type)
    const deletedNames = catalog.scan.typeMap.deleted.get(type)
    return {
      component,
      type,
      name,
      typeDir: typeDirs.get(type) ?? '',
      // Without its folder no language string can be read: Moodle names the plugin by its bare name.
      displayName: disk === null ? name : (catalog.names.get(component) ?? `[pluginname,${component}]`),
      versionDb,
      disk,
      enabled: enabledStateOf(type, name, disk !== null, inputs),
      isStandard: standardNames?.has(name) === true || (disk === null && deletedNames?.has(name) === true),
      settingsSection: orphaned ? null : settingsSectionOf(type, name, disk?.hasSettings ?? false),
      storedUpdates: stored,
      newerUpdates: newer,
      hasUpdates: newer.some((u) => u.maturity >= minMaturity),
      orphaned,
    }
  }
  for (const disk of catalog.scan.plugins) {
    seen.add(disk.component)
    entries.push(build(disk.component, disk.type, disk.name, disk))
  }
  // Installed plugins missing from disk; those of types no longer known are Moodle's "orphaned"
  // subplugins, listed after every known type, types in the order they first appear.
  for (const component of installed) {
    if (seen.has(component)) continue
    const split = component.indexOf('_')
    const type = component.slice(0, split)
    const name = component.slice(split + 1)
    if (split <= 0 || name === '') continue
    const orphaned = !typeRank.has(type)
    if (orphaned) typeRank.set(type, typeRank.size)
    entries.push(build(component, type, name, null, orphaned))
  }
  // Course formats follow the admin's order (`format_plugins_sortorder`), others sort by name.
  const formatOrder = (state.core.get('format_plugins_sortorder') ?? '').split(',').map((s) => s.trim())
  // Within other types, plugins on disk come first, then those missing from disk (each by name).
  const withinType = (e: PluginEntry) =>
    e.type === 'format' && formatOrder.includes(e.name) ? formatOrder.indexOf(e.name) : e.disk === null && e.type !== 'format' ? 2e6 : 1e6
  entries.sort(
    (a, b) =>
      (typeRank.get(a.type) ?? 0) - (typeRank.get(b.type) ?? 0) ||
      withinType(a) - withinType(b) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  )
  const inventory: PluginInventory = {
    revision,
    lastCheck: updates.lastFetch,
    plugins: entries,
    byComponent: new Map(entries.map((e) => [e.component, e])),
    log,
    updates,
    core: {
      version: state.core.get('version') ?? '',
      release,
      notifyBuilds: (state.core.get('updatenotifybuilds') ?? '0') === '1',
    },
  }
  return inventory
}

/** Upgrade-log rows kept in `/plugins` for a component. */
export function usefulLogOf(inventory: PluginInventory, component: string): UpgradeLogEntry[] {
  return (inventory.log.get(component) ?? []).filter(isUsefulUpgradeRow)
}

function groupByPlugin(rows: UpgradeLogEntry[]): Map<string, UpgradeLogEntry[]> {
  const out = new Map<string, UpgradeLogEntry[]>()
  for (const row of rows) {
    let list = out.get(row.plugin)
    if (!list) out.set(row.plugin, (list = []))
    list.push(row)
  }
  return out
}

function hashString(s: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0
  return h.toString(16)
}
