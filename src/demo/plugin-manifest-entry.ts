/** One plugin on disk, as in plugin-manifest.json (fields absent from version.php are omitted). */
export interface PluginManifestEntry {
  component: string
  /** Relative to dirroot, with a leading slash. */
  dir: string
  version: number
  release?: string
  requires?: number
  maturity?: number
  dependencies?: Readonly<Record<string, number | string>>
  supported?: readonly [number, number]
  incompatible?: number
  has_settings?: boolean
  display_name: string
  /** The language string holding the display name; `pluginname` when omitted. */
  display_name_key?: 'pluginname' | 'filtername' | 'dataformat'
}
