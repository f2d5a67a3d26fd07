import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Moodle } from '../moodle.ts'
import { readCoreSettings } from './read-settings.ts'

/** Whether Moodle is upgrading (`upgraderunning` in the future) or in CLI maintenance (`<dataroot>/climaintenance.html`). */
export async function readMoodleBusy(moodle: Moodle, nowMs: number): Promise<{ upgradeRunning: boolean; cliMaintenance: boolean }> {
  const upgrade = Number((await readCoreSettings(moodle, ['upgraderunning'])).get('upgraderunning') ?? 0)
  const cliMaintenance = moodle.dataroot ? await stat(join(moodle.dataroot, 'climaintenance.html')).then(() => true, () => false) : false
  return { upgradeRunning: upgrade * 1000 > nowMs, cliMaintenance }
}
