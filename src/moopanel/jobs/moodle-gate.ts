import { readMoodleBusy, type Moodle } from '../../moodle/index.ts'
import { readStoreSetting, type Store } from '../../store/index.ts'
import { CORE_UPDATE_JOB } from './job-names.ts'

/** Store setting naming the core-update job that switched CLI maintenance on (it may go on meanwhile). */
export const MAINTENANCE_OWNER_SETTING = 'cli_maintenance_job'

/**
 * The worker's gate (moopanel-api.md §5.4): no job that touches Moodle starts while Moodle's
 * `upgraderunning` is set or its CLI maintenance mode is on — except the core update that switched
 * maintenance on itself (recorded in the store), which must be able to resume and switch it off.
 * Checked at most once a second.
 */
export function moodleGate(moodle: Moodle, store: Store, nowMs: () => number): () => Promise<{ hold: boolean; except?: string[] }> {
  let cached: { at: number; value: { hold: boolean; except?: string[] } } | null = null
  return async () => {
    if (cached && nowMs() - cached.at < 1000) return cached.value
    const busy = await readMoodleBusy(moodle, nowMs())
    let value: { hold: boolean; except?: string[] } = { hold: false }
    if (busy.upgradeRunning || busy.cliMaintenance) {
      const ours = busy.cliMaintenance && !busy.upgradeRunning && (await readStoreSetting(store, MAINTENANCE_OWNER_SETTING)) !== null
      value = { hold: true, ...(ours ? { except: [CORE_UPDATE_JOB] } : {}) }
    }
    cached = { at: nowMs(), value }
    return value
  }
}
