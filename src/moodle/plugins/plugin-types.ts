import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

/** One plugin type with its folder relative to the Moodle root (no leading slash). */
export interface PluginType {
  type: string
  dir: string
  /** The component declaring it in `db/subplugins.json`, for subplugin types. */
  parent?: string
}

/** What `lib/components.json`, `lib/plugins.json` and the subplugin declarations say. */
export interface PluginTypeMap {
  /** In Moodle's listing order (moodle.md §2.4). */
  types: PluginType[]
  subsystems: Set<string>
  standard: Map<string, Set<string>>
  deleted: Map<string, Set<string>>
  /** Files read, for change detection. */
  sources: string[]
}

/** Types listed right after `mod` and its subplugins, before the rest of components.json. */
const LEADING_TYPES = ['block', 'qtype', 'qbank', 'qbehaviour', 'qformat', 'filter', 'editor', 'enrol', 'auth', 'tool']
/** Parents whose subplugin types follow them directly in the listing. */
const FOLLOWED_BY_SUBPLUGINS = new Set(['mod', 'editor', 'tool'])

/** Reads the plugin types of a Moodle install, `admin/` folders moved to `$CFG->admin`. */
export async function readPluginTypes(dirroot: string, admin: string): Promise<PluginTypeMap> {
  const componentsFile = join(dirroot, 'lib', 'components.json')
  const pluginsFile = join(dirroot, 'lib', 'plugins.json')
  const components = await readJson(componentsFile)
  const pluginLists: Record<string, unknown> = await readJson(pluginsFile).catch(() => ({}))
  // Newer releases move retired types to `deprecatedplugintypes` (5.1: `mnetservice`): their code still
  // ships and their plugins stay installed, so they are listed after the current types.
  const current = objectOf(components['plugintypes'])
  const deprecated = Object.entries(objectOf(components['deprecatedplugintypes'])).filter(([type]) => !(type in current))
  const topLevel = { ...current, ...Object.fromEntries(deprecated) }
  const rename = (dir: string) => (admin !== 'admin' && dir.startsWith('admin/') ? `${admin}/${dir.slice(6)}` : dir)
  const base: PluginType[] = Object.entries(topLevel)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .map(([type, dir]) => ({ type, dir: rename(dir) }))
  return {
    types: base,
    subsystems: new Set(Object.keys(objectOf(components['subsystems']))),
    standard: listsOf(pluginLists['standard']),
    deleted: listsOf(pluginLists['deleted']),
    sources: [componentsFile, pluginsFile],
  }
}

/**
 * Orders top-level and subplugin types as Moodle's plugin overview does: `mod`, its subplugin
 * types (by module name, then declaration order), the leading types with editor and tool
 * subplugins after their parents, the rest in components.json order, then remaining subplugins.
 */
export function orderPluginTypes(topLevel: PluginType[], subTypes: PluginType[]): PluginType[] {
  const byParentType = (parentType: string) =>
    subTypes
      .filter((s) => s.parent?.startsWith(`${parentType}_`))
      .sort((a, b) => compareNames(a.parent!, b.parent!))
  const out: PluginType[] = []
  const seen = new Set<string>()
  const push = (t: PluginType | undefined) => {
    if (t && !seen.has(t.type)) {
      seen.add(t.type)
      out.push(t)
    }
  }
  const find = (type: string) => topLevel.find((t) => t.type === type)
  for (const type of ['mod', ...LEADING_TYPES]) {
    push(find(type))
    if (FOLLOWED_BY_SUBPLUGINS.has(type)) stableByParent(byParentType(type)).forEach(push)
  }
  topLevel.forEach(push)
  subTypes.forEach(push)
  return out
}

/** Keeps declaration order within one parent while parents are sorted by name. */
function stableByParent(types: PluginType[]): PluginType[] {
  return types.map((t, i) => ({ t, i })).sort((a, b) => compareNames(a.t.parent!, b.t.parent!) || a.i - b.i).map((x) => x.t)
}

/** Byte-wise name order, as PHP's sort of plugin names. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  const data: unknown = JSON.parse(await readFile(file, 'utf8'))
  return objectOf(data)
}

function objectOf(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

function listsOf(value: unknown): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>()
  for (const [type, names] of Object.entries(objectOf(value))) {
    if (Array.isArray(names)) out.set(type, new Set(names.filter((n): n is string => typeof n === 'string')))
  }
  return out
}
