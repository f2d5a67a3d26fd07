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
}
