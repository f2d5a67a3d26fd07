import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readLangStrings } from '../php/read-lang-strings.ts'
import type { DiskPlugin } from './scan-plugins.ts'

/** The string key Moodle shows as a plugin's name (moodle.md §2.6). */
export function nameKeyOf(type: string): string {
  if (type === 'filter') return 'filtername'
  if (type === 'dataformat') return 'dataformat'
  return 'pluginname'
}

/** The language file name of a plugin: `<name>.php` for `mod`, `<component>.php` otherwise. */
export function langFileOf(plugin: Pick<DiskPlugin, 'type' | 'name' | 'component'>): string {
  return plugin.type === 'mod' ? `${plugin.name}.php` : `${plugin.component}.php`
}

/**
 * Display names in the site language, falling back to English: the plugin's English file, then
 * `<dataroot>/lang/en_local`, the site language pack and its `_local` customisations, later files
 * overriding earlier ones. A missing string shows as `[key,component]`, as Moodle does.
 */
export async function readDisplayNames(
  dirroot: string,
  dataroot: string | undefined,
  lang: string,
  plugins: readonly DiskPlugin[],
): Promise<{ names: Map<string, string>; files: string[] }> {
  const names = new Map<string, string>()
  const files: string[] = []
  const langDirs = (plugin: DiskPlugin) => {
    const dirs = [join(dirroot, plugin.dir, 'lang', 'en')]
    if (dataroot) {
      dirs.push(join(dataroot, 'lang', 'en_local'))
      if (lang !== 'en' && /^[a-z_]+$/.test(lang)) dirs.push(join(dataroot, 'lang', lang), join(dataroot, 'lang', `${lang}_local`))
    }
    return dirs
  }
  await Promise.all(
    plugins.map(async (plugin) => {
      const key = nameKeyOf(plugin.type)
      const wanted = new Set(plugin.type === 'mod' ? [key, 'modulename'] : [key])
      let found: string | undefined
      for (const dir of langDirs(plugin)) {
        const file = join(dir, langFileOf(plugin))
        const source = await readFile(file, 'utf8').catch(() => null)
        if (source === null) continue
        files.push(file)
        const strings = readLangStrings(source, wanted)
        found = strings.get(key) ?? (found === undefined ? strings.get('modulename') : undefined) ?? found
      }
      names.set(plugin.component, found === undefined ? `[${key},${plugin.component}]` : detached(found))
    }),
  )
  return { names, files }
}

/**
 * A copy of `value` that does not point into the language file it was cut from: V8 keeps a slice of
 * a long string as a view of the whole string, so each kept name would keep its whole file (tens
 * of kilobytes) alive, per site. JSON round-trips every string exactly, lone surrogates included.
 */
function detached(value: string): string {
  return JSON.parse(JSON.stringify(value)) as string
}
