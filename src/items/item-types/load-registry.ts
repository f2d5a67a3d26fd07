import { readFile } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse as parseYaml } from 'yaml'
import type { ItemsConfig } from '../../config/index.ts'
import type { Extension } from '../public-api.ts'
import { extensionCapability, type Declaration, type DeclarationSource } from './declaration.ts'
import { buildRegistry, RegistryError, type ItemTypeRegistry, type LoadedExtension } from './registry.ts'

/** The configuration the registry reads. */
export type RegistryConfig = Pick<ItemsConfig, 'items_builtin_types' | 'items_types' | 'items_type_files' | 'items_extensions' | 'items_type_capabilities'>

/**
 * Registers built-in, configured and extension types and routes (§14, §15.1): files and module
 * paths are resolved against `baseDir` (the configuration file's directory, else the working
 * directory). `extensions` are objects given directly when the service is embedded.
 */
export async function loadRegistry(config: RegistryConfig, options: { baseDir?: string; extensions?: Extension[] } = {}): Promise<ItemTypeRegistry> {
  const baseDir = options.baseDir ?? process.cwd()
  const configured: DeclarationSource[] = []
  const add = (d: unknown, source: string) => {
    if (typeof d !== 'object' || d === null || Array.isArray(d)) throw new RegistryError(`${source}: a type declaration must be a mapping`)
    const decl = d as Declaration
    const extension = typeof decl.extension === 'string' ? decl.extension : 'core'
    configured.push({ declaration: decl, source, extension, defaultCapability: extensionCapability(extension) })
  }
  config.items_types.forEach((d, i) => add(d, `configuration items_types[${i}]`))
  for (const file of config.items_type_files) {
    const path = isAbsolute(file) ? file : resolve(baseDir, file)
    let data: unknown
    try {
      data = parseYaml(await readFile(path, 'utf8'))
    } catch (error) {
      throw new RegistryError(`type file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
    if (!Array.isArray(data)) throw new RegistryError(`type file ${file}: must hold a list of type declarations`)
    data.forEach((d, i) => add(d, `type file ${file}[${i}]`))
  }
  const extensions: LoadedExtension[] = []
  for (const specifier of config.items_extensions) {
    const target = specifier.startsWith('.') || isAbsolute(specifier) ? pathToFileURL(resolve(baseDir, specifier)).href : specifier
    let mod: { default?: unknown }
    try {
      mod = (await import(target)) as { default?: unknown }
    } catch (error) {
      throw new RegistryError(`extension module ${specifier} cannot be loaded: ${(error as Error).message}`)
    }
    const exported = mod.default
    if (exported === undefined) throw new RegistryError(`extension module ${specifier} has no default export`)
    for (const e of [exported].flat()) extensions.push({ extension: e as Extension, source: specifier })
  }
  for (const e of options.extensions ?? []) extensions.push({ extension: e, source: 'embedded' })
  return buildRegistry({
    builtinTypes: config.items_builtin_types,
    configured,
    extensions,
    typeCapabilities: config.items_type_capabilities,
  })
}
