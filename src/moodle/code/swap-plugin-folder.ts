import { mkdir, rename, rm, stat } from 'node:fs/promises'
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
export function swapInPluginFolder(moodle: Moodle, swap: PluginSwap): Promise<{ hadOld: boolean }> {
  return swapInDirectory(join(moodle.dirroot, swap.targetDir), swap.stagedDir, swap.rollbackDir, 'plugin-swap-between-renames')
}

/** Reverses a plugin swap (see `restoreDirectory`). */
export function restorePluginFolder(moodle: Moodle, swap: PluginSwap, hadOld: boolean): Promise<void> {
  return restoreDirectory(join(moodle.dirroot, swap.targetDir), swap.rollbackDir, hadOld)
}

/** `swapInPluginFolder` for any directory (the core update swaps the whole Moodle root this way). */
export async function swapInDirectory(target: string, stagedDir: string, rollbackDir: string, crashName: string): Promise<{ hadOld: boolean }> {
  const staged = await exists(stagedDir)
  if (!staged) {
    if (await exists(target)) return { hadOld: await exists(rollbackDir) } // done earlier
    throw new Error('staged folder is missing')
  }
  if (await exists(target)) {
    if (await exists(rollbackDir)) throw new Error('rollback folder already taken')
    await mkdir(dirname(rollbackDir), { recursive: true })
    await rename(target, rollbackDir)
  }
  crashPoint(crashName)
  await mkdir(dirname(target), { recursive: true })
  await rename(stagedDir, target)
  return { hadOld: await exists(rollbackDir) }
}

/**
 * Reverses a swap: the new folder goes aside (kept for inspection as `<rollback>.failed`), the old
 * one returns. Without an old folder (a fresh install) the new folder is just moved aside.
 * Idempotent: with `hadOld` and the rollback folder already gone, the old folder is back in place.
 */
export async function restoreDirectory(target: string, rollbackDir: string, hadOld: boolean): Promise<void> {
  const failed = `${rollbackDir}.failed`
  if (hadOld && !(await exists(rollbackDir))) return
  if (await exists(target)) {
    await rm(failed, { recursive: true, force: true })
    await mkdir(dirname(failed), { recursive: true })
    await rename(target, failed)
  }
  if (await exists(rollbackDir)) await rename(rollbackDir, target)
}
