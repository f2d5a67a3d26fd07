import { mkdir, rename, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { crashPoint } from '../../shared/crash-point.ts'
import type { Moodle } from '../moodle.ts'

/** One plugin code swap (moopanel-api.md §5.5.5). */
export interface PluginSwap {
  /** The plugin's folder relative to the Moodle root, e.g. `mod/certificate`. */
  targetDir: string
  /** The new folder, assembled in the staging area (same filesystem as the Moodle root). */
  stagedDir: string
  /** Where the old folder goes: `<code_staging_dir>/rollback/<job id>/<component>`. */
  rollbackDir: string
}

const exists = (path: string) => stat(path).then(() => true, () => false)

/**
 * Puts the staged folder in place: the old folder (if any) is renamed into the rollback area, then
 * the new one renamed in. Each rename is atomic, so the plugin folder is always the old one, the new
 * one, or (for an instant between the renames) absent — never a mix. Idempotent: run again after a
 * crash it completes whatever step was missing. Returns whether an old folder was moved aside.
 */
export async function swapInPluginFolder(moodle: Moodle, swap: PluginSwap): Promise<{ hadOld: boolean }> {
  const target = join(moodle.dirroot, swap.targetDir)
  const staged = await exists(swap.stagedDir)
  if (!staged) {
    if (await exists(target)) return { hadOld: await exists(swap.rollbackDir) } // done earlier
    throw new Error('staged plugin folder is missing')
  }
  if (await exists(target)) {
    if (await exists(swap.rollbackDir)) throw new Error('rollback folder already taken')
    await mkdir(dirname(swap.rollbackDir), { recursive: true })
    await rename(target, swap.rollbackDir)
  }
  crashPoint('plugin-swap-between-renames')
  await mkdir(dirname(target), { recursive: true })
  await rename(swap.stagedDir, target)
  return { hadOld: await exists(swap.rollbackDir) }
}

/**
 * Reverses a swap: the new folder goes back to the staging area (kept for inspection beside the
 * rollback folder, as `<rollback>.failed`), the old one returns. For a fresh install the new
 * folder is just removed from the Moodle root. Idempotent.
 */
export async function restorePluginFolder(moodle: Moodle, swap: PluginSwap): Promise<void> {
  const target = join(moodle.dirroot, swap.targetDir)
  const failed = `${swap.rollbackDir}.failed`
  if ((await exists(target)) && (await exists(swap.rollbackDir))) {
    await rename(target, failed)
  } else if ((await exists(target)) && !(await exists(swap.rollbackDir))) {
    await mkdir(dirname(failed), { recursive: true })
    await rename(target, failed)
    return
  }
  if (await exists(swap.rollbackDir)) await rename(swap.rollbackDir, target)
}
