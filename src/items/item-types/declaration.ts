import type { ItemTypeDefinition } from '../public-api.ts'

/** A type declaration (§14.1) from any source; `extension` is only given in configuration. */
export interface Declaration extends ItemTypeDefinition {
  extension?: string
}

/** Where a declaration came from, for start-up errors. */
export interface DeclarationSource {
  declaration: Declaration
  /** e.g. `built-in`, `items_types[2]`, `file types.yaml[0]`, `extension ecommerce (./ext.ts)`. */
  source: string
  /** Owning extension (config: the declaration's `extension`, default `core`). */
  extension: string
  /** The extension's default capability. */
  defaultCapability: string
}

/** The default manage capability of an extension (§6.3). */
export function extensionCapability(extension: string): string {
  return extension === 'core' ? 'local/middag:manage' : `local/middag:${extension}_manage`
}
