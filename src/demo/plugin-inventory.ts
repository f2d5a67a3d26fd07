import { readFile } from 'node:fs/promises'
import { DEMO_ADDONS, MISSING_ADDON, NOT_INSTALLED_STANDARD, type HistoryStep } from './demo-addons.ts'
import type { PluginManifestEntry } from './plugin-manifest-entry.ts'

export type { PluginManifestEntry } from './plugin-manifest-entry.ts'

/** A plugin known to the demo site: on disk, installed, or both. */
export interface DemoPlugin {
  component: string
  type: string
  name: string
  /** Present on disk (then `manifest` is set). */
  manifest: PluginManifestEntry | null
  standard: boolean
  /** Install/upgrade history, oldest first; empty = not installed. */
  history: readonly HistoryStep[]
  /** The installed version (last history step), or null. */
  installedVersion: number | null
}

/** The plugin facts the generator works from. */
export interface PluginInventory {
  /** Every plugin: on disk (manifest order) followed by the installed ones missing from disk. */
  plugins: readonly DemoPlugin[]
  components: { plugintypes: Record<string, string>; subsystems: Record<string, string | null> }
  standardLists: { standard: Record<string, string[]>; deleted: Record<string, string[]> }
  /** Parent component → its db/subplugins.json content. */
  subplugins: Record<string, { dir: string; 'subplugins.json': unknown }>
}

async function readJson<T>(name: string): Promise<T> {
  return JSON.parse(await readFile(new URL(`./${name}`, import.meta.url), 'utf8')) as T
}

/** Splits a frankenstyle name at the first underscore. */
export function splitComponent(component: string): { type: string; name: string } {
  const at = component.indexOf('_')
  return { type: component.slice(0, at), name: component.slice(at + 1) }
}

/** Reads the shipped data files and merges in the demo add-ons. */
export async function loadPluginInventory(): Promise<PluginInventory> {
  const [manifest, components, standardLists, subplugins] = await Promise.all([
    readJson<PluginManifestEntry[]>('plugin-manifest.json'),
    readJson<PluginInventory['components']>('components.json'),
    readJson<PluginInventory['standardLists']>('plugins.json'),
    readJson<PluginInventory['subplugins']>('subplugins.json'),
  ])
  const isStandard = (component: string): boolean => {
    const { type, name } = splitComponent(component)
    return standardLists.standard[type]?.includes(name) ?? false
  }
  const plugin = (entry: PluginManifestEntry | null, component: string, history: readonly HistoryStep[]): DemoPlugin => ({
    component,
    ...splitComponent(component),
    manifest: entry,
    standard: isStandard(component),
    history,
    installedVersion: history.at(-1)?.version ?? null,
  })

  const plugins: DemoPlugin[] = manifest.map((entry) =>
    plugin(entry, entry.component, entry.component === NOT_INSTALLED_STANDARD ? [] : standardHistory(entry.version)),
  )
  for (const addon of DEMO_ADDONS) {
    const { history, settings: _settings, updates: _updates, strings: _strings, ...entry } = addon
    plugins.push(plugin(entry, addon.component, history))
  }
  plugins.push(plugin(null, MISSING_ADDON.component, MISSING_ADDON.history))
  return { plugins, components, standardLists, subplugins }
}

/**
 * Standard plugins were installed with the site (at their 4.5.0 versions) and those whose code
 * has moved on since were upgraded by the last core upgrade, 30 days ago.
 */
function standardHistory(diskVersion: number): HistoryStep[] {
  const installed = Math.min(diskVersion, 2024100700)
  const steps: HistoryStep[] = [{ version: installed, daysAgo: 420 }]
  if (diskVersion > installed) steps.push({ version: diskVersion, daysAgo: 30 })
  return steps
}
