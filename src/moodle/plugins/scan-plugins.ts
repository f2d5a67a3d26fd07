import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { parseVersionPhp } from '../php/parse-version-php.ts'
import { compareNames, orderPluginTypes, readPluginTypes, type PluginType, type PluginTypeMap } from './plugin-types.ts'

/** A plugin folder found in the Moodle root, with what its version.php declares. */
export interface DiskPlugin {
  component: string
  type: string
  name: string
  /** Folder relative to the Moodle root with a leading slash, e.g. `/mod/forum`. */
  dir: string
  version: number | null
  requires: number | null
  release: string | null
  supported: [number, number] | null
  incompatible: number | null
  dependencies: Record<string, number | 'any'>
  hasSettings: boolean
}

/** Everything read from disk about plugins, plus the files whose mtimes reveal a change. */
export interface DiskScan {
  typeMap: PluginTypeMap
  /** Types in Moodle's listing order, subplugin types included. */
  types: PluginType[]
  plugins: DiskPlugin[]
  /** Files and folders whose modification times fingerprint this scan. */
  watched: string[]
}

const IGNORED = new Set(['CVS', '_vti_cnf', 'amd', 'classes', 'db', 'fonts', 'lang', 'pix', 'simpletest', 'templates', 'tests', 'yui'])
const MOD_NAME = /^[a-z][a-z0-9]*$/
const PLUGIN_NAME = /^[a-z][a-z0-9_]*[a-z0-9]$/
const SUBTYPE_NAME = /^[a-z][a-z0-9]*$/
const SUBPLUGIN_PARENTS = new Set(['mod', 'editor', 'tool', 'local'])

/** Enumerates plugins as Moodle's component registry does (moodle.md §2.4). */
export async function scanPlugins(dirroot: string, admin: string): Promise<DiskScan> {
  const typeMap = await readPluginTypes(dirroot, admin)
  const watched = [...typeMap.sources]
  const plugins: DiskPlugin[] = []
  for (const t of typeMap.types) plugins.push(...(await scanType(dirroot, t, typeMap, watched)))
  const known = new Set(typeMap.types.map((t) => t.type))
  const subTypes: PluginType[] = []
  for (const parent of plugins.filter((p) => SUBPLUGIN_PARENTS.has(p.type))) {
    const file = join(dirroot, parent.dir, 'db', 'subplugins.json')
    const declared = await readSubpluginTypes(file)
    if (declared === null) continue
    watched.push(file)
    for (const [type, dir] of declared) {
      if (!SUBTYPE_NAME.test(type) || known.has(type) || typeMap.subsystems.has(type)) continue
      if (!(await isDirectory(join(dirroot, dir)))) continue
      known.add(type)
      subTypes.push({ type, dir, parent: parent.component })
    }
  }
  for (const t of subTypes) plugins.push(...(await scanType(dirroot, t, typeMap, watched)))
  const types = orderPluginTypes(typeMap.types, subTypes)
  const rank = new Map(types.map((t, i) => [t.type, i]))
  plugins.sort((a, b) => (rank.get(a.type) ?? 0) - (rank.get(b.type) ?? 0) || compareNames(a.name, b.name))
  return { typeMap, types, plugins, watched }
}

async function scanType(dirroot: string, t: PluginType, typeMap: PluginTypeMap, watched: string[]): Promise<DiskPlugin[]> {
  const typeDir = join(dirroot, t.dir)
  let entries: string[]
  try {
    entries = (await readdir(typeDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name)
  } catch {
    return []
  }
  watched.push(typeDir)
  const names = entries.filter((name) => isPluginName(t.type, name, typeMap)).sort(compareNames)
  const found = await Promise.all(names.map((name) => readPlugin(dirroot, t, name)))
  const plugins = found.filter((p): p is DiskPlugin => p !== null)
  for (const p of plugins) watched.push(join(dirroot, p.dir, 'version.php'))
  return plugins
}

function isPluginName(type: string, name: string, typeMap: PluginTypeMap): boolean {
  if (IGNORED.has(name) && !(type === 'auth' && name === 'db')) return false
  if (type === 'mod') return MOD_NAME.test(name) && !typeMap.subsystems.has(name)
  return PLUGIN_NAME.test(name) && !name.includes('__')
}

async function readPlugin(dirroot: string, t: PluginType, name: string): Promise<DiskPlugin | null> {
  const dir = `/${t.dir}/${name}`
  const file = join(dirroot, dir, 'version.php')
  let source: string
  try {
    source = await readFile(file, 'utf8')
  } catch {
    return null // every plugin folder must hold version.php
  }
  const declared = safeParse(source, file)
  return {
    component: `${t.type}_${name}`,
    type: t.type,
    name,
    dir,
    version: declared?.version ?? null,
    requires: declared?.requires ?? null,
    release: declared?.release ?? null,
    supported: declared?.supported ?? null,
    incompatible: declared?.incompatible ?? null,
    dependencies: declared?.dependencies ?? {},
    hasSettings: await isFile(join(dirroot, dir, 'settings.php')),
  }
}

function safeParse(source: string, file: string) {
  try {
    return parseVersionPhp(source, file).plugin
  } catch {
    return null // a version.php outside the readable subset: the plugin is listed without disk facts
  }
}

async function readSubpluginTypes(file: string): Promise<Array<[string, string]> | null> {
  let data: unknown
  try {
    data = JSON.parse(await readFile(file, 'utf8'))
  } catch {
    return null
  }
  const types = (data as { plugintypes?: unknown } | null)?.plugintypes
  if (!types || typeof types !== 'object') return null
  return Object.entries(types).filter((e): e is [string, string] => typeof e[1] === 'string')
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false)
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false)
}
