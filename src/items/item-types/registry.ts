import type { Ajv2020 } from 'ajv/dist/2020.js'
import { CORE_BACKED_TYPES, type CoreBackedTypeName } from '../../moodle/index.ts'
import type { Extension } from '../public-api.ts'
import { createAjv } from '../validation/ajv.ts'
import { compileExtensionRoutes, type ExtensionRoute } from '../extensions/extension-routes.ts'
import { BUILTIN_STORED_TYPES } from './builtin-types.ts'
import { buildStoredType, RegistryError } from './build-stored-type.ts'
import { extensionCapability, type DeclarationSource } from './declaration.ts'
import type { CoreBackedItemType, ItemType, StoredItemType } from './item-type.ts'

export { RegistryError }

export const BUILTIN_TYPE_NAMES = ['generic', 'course_group', 'company', 'course', 'course_category', 'user', 'cohort'] as const

/** An extension as loaded, with where it came from. */
export interface LoadedExtension {
  extension: Extension
  source: string
}

/** What the registry is built from (§14). */
export interface RegistryInput {
  builtinTypes?: readonly string[]
  /** Types declared in configuration (items_types, items_type_files), in order. */
  configured: DeclarationSource[]
  extensions: LoadedExtension[]
  typeCapabilities: Record<string, { capability?: string; readCapability?: string }>
}

/** The frozen set of item types and extension routes. */
export interface ItemTypeRegistry {
  types: ReadonlyMap<string, ItemType>
  /** Stored types in registration order. */
  stored: readonly StoredItemType[]
  coreBacked: readonly CoreBackedItemType[]
  extensions: ReadonlyArray<{ name: string; capability: string; source: string; hasRoutes: boolean }>
  routes: readonly ExtensionRoute[]
  /** The extension objects, in load order (for `setup`). */
  modules: readonly LoadedExtension[]
  ajv: Ajv2020
  get(name: string): ItemType | undefined
  /** Every capability a type or route depends on, with what depends on it (§6.5). */
  capabilities(): Map<string, string[]>
}

const EXTENSION_NAME = /^[a-z][a-z0-9]{0,39}$/
const RESERVED_EXTENSIONS = new Set(['core', 'items', 'openapi'])

/** Builds and checks the registry (§14.4); throws RegistryError naming the offending source. */
export function buildRegistry(input: RegistryInput): ItemTypeRegistry {
  const ajv = createAjv()
  const builtins = new Set<string>(input.builtinTypes ?? BUILTIN_TYPE_NAMES)
  const sources: DeclarationSource[] = []
  for (const d of BUILTIN_STORED_TYPES) {
    if (!builtins.has(d.name)) continue
    const extension = d.extension ?? 'core'
    sources.push({ declaration: d, source: 'built-in', extension, defaultCapability: extensionCapability(extension) })
  }
  const coreNames = Object.keys(CORE_BACKED_TYPES).filter((n) => builtins.has(n)) as CoreBackedTypeName[]
  sources.push(...input.configured)
  const extensionInfo: Array<{ name: string; capability: string; source: string; hasRoutes: boolean }> = []
  for (const { extension, source } of input.extensions) {
    if (typeof extension?.name !== 'string' || !EXTENSION_NAME.test(extension.name)) {
      throw new RegistryError(`extension ${JSON.stringify(extension?.name)} (${source}): the name must match ^[a-z][a-z0-9]{0,39}$`)
    }
    if (RESERVED_EXTENSIONS.has(extension.name)) throw new RegistryError(`extension ${extension.name} (${source}): the name is reserved`)
    const twin = extensionInfo.find((e) => e.name === extension.name)
    if (twin) throw new RegistryError(`extension ${extension.name} is declared twice (${twin.source} and ${source})`)
    const capability = extension.capability ?? extensionCapability(extension.name)
    extensionInfo.push({ name: extension.name, capability, source, hasRoutes: (extension.routes ?? []).length > 0 })
    for (const [i, d] of (extension.itemTypes ?? []).entries()) {
      sources.push({ declaration: d, source: `extension ${extension.name} (${source}) itemTypes[${i}]`, extension: extension.name, defaultCapability: capability })
    }
  }
  const types = new Map<string, ItemType>()
  const origin = new Map<string, string>()
  const coreBacked: CoreBackedItemType[] = []
  for (const name of coreNames) {
    const d = CORE_BACKED_TYPES[name]
    const o = input.typeCapabilities[name]
    const t: CoreBackedItemType = {
      kind: 'core', name, extension: 'core', title: d.title, description: undefined,
      capability: o?.capability ?? null, readCapability: o?.readCapability ?? d.readCapability,
      fields: new Set(d.fields), metaKeys: new Map(Object.entries(d.metadata)),
    }
    types.set(name, t)
    origin.set(name, 'built-in')
    coreBacked.push(t)
  }
  const stored: StoredItemType[] = []
  for (const src of sources) {
    const name = src.declaration?.name
    if (typeof name === 'string' && types.has(name)) {
      throw new RegistryError(`item type ${JSON.stringify(name)} is declared twice: ${origin.get(name)} and ${src.source}`)
    }
    const t = buildStoredType(ajv, src, input.typeCapabilities[name])
    types.set(t.name, t)
    origin.set(t.name, src.source)
    stored.push(t)
  }
  for (const t of stored) {
    for (const p of t.parentTypes ?? []) {
      if (types.get(p)?.kind !== 'stored') throw new RegistryError(`item type ${JSON.stringify(t.name)} (${t.source}): parentTypes names ${p}, which is not a stored type`)
    }
  }
  const routes = compileExtensionRoutes(input.extensions, extensionInfo, ajv)
  return {
    types,
    stored,
    coreBacked,
    extensions: extensionInfo,
    routes,
    modules: input.extensions,
    ajv,
    get: (name) => types.get(name),
    capabilities() {
      const out = new Map<string, string[]>()
      const add = (cap: string | null | undefined, who: string) => {
        if (!cap) return
        const list = out.get(cap)
        if (list) list.push(who)
        else out.set(cap, [who])
      }
      for (const t of types.values()) {
        add(t.capability, `type ${t.name}`)
        add(t.readCapability, `type ${t.name}`)
      }
      for (const r of routes) for (const c of r.capabilities) add(c, `route ${r.operationId}`)
      return out
    },
  }
}
