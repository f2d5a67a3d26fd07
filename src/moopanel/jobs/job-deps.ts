import type { Moodle } from '../../moodle/index.ts'
import type { Store } from '../../store/index.ts'
import type { CallbackPacer } from '../callbacks/callback-schedule.ts'

/** What the management API's jobs need; the key and panel URL are read when a callback is sent. */
export interface MoopanelJobDeps {
  moodle: Moodle
  store: Store
  /** The plain key (callbacks must present it) and MooPanel's base URL, from the configuration. */
  callbackTarget: () => { apiKey: string | null; moopanelUrl: string | null }
  callbackMaxAgeS: number
  pacer: CallbackPacer
  userAgent: string
  /** Code changes: PHP CLI, staging/rollback area, the operator's post-change command. */
  code: { phpBinary: string; stagingDir: string; postChangeCommand: string | null }
  /** Admin-preset export (§5.9): `presets_include_sensitive`, and `timezone` (null: Moodle's zone, else the host's). */
  presets?: { includeSensitive: boolean; timezone: string | null }
  /** Download and unpacking limits (moopanel-api.md §5.5.1–5.5.2), and what a core update keeps. */
  packages: PackageLimits
}

/** The safety limits of package downloads and unpacking, from the configuration. */
export interface PackageLimits {
  allowedHosts: readonly string[]
  allowHttp: boolean
  pluginMaxBytes: number
  coreMaxBytes: number
  zipMaxEntries: number
  zipMaxUncompressedBytes: number
  /** `core_update_preserve_paths`: extra local paths a core update carries over. */
  corePreservePaths: readonly string[]
}
