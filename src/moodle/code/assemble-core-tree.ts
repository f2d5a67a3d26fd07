import { access, constants, cp, stat } from 'node:fs/promises'
import { dirname, join, normalize, sep } from 'node:path'
import type { Moodle } from '../moodle.ts'
import { getPluginInventory } from '../plugins/plugin-inventory.ts'

/**
 * Completes a staged core tree (moopanel-api.md §5.8 step 3): `config.php`, every path of
 * `core_update_preserve_paths`, and every add-on (non-standard) plugin folder are copied from the
 * current Moodle root to the same relative path, unless the package already has that path.
 * Returns the relative paths copied.
 */
export async function assembleCoreTree(moodle: Moodle, newRoot: string, preservePaths: readonly string[]): Promise<string[]> {
  const inventory = await getPluginInventory(moodle)
  const addOns = inventory.plugins.filter((p) => !p.isStandard && p.disk !== null).map((p) => p.disk!.dir.replace(/^\/+/, ''))
  const paths = ['config.php', ...preservePaths.map(safeRelative).filter((p): p is string => p !== null), ...addOns]
  // Parents first, so that a sub-plugin inside a copied add-on counts as present.
  paths.sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1))
  const copied: string[] = []
  for (const rel of paths) {
    const from = join(moodle.dirroot, rel)
    const to = join(newRoot, rel)
    if (!(await exists(from)) || (await exists(to))) continue
    await cp(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true, errorOnExist: true, force: false })
    copied.push(rel)
  }
  return copied
}

/**
 * The Moodle root can be swapped: its parent is writable and on the same filesystem as the staging
 * area (renames between them are atomic). False otherwise (§5.8 step 3).
 */
export async function coreRootReplaceable(moodle: Moodle, stagingDir: string): Promise<boolean> {
  const parent = dirname(moodle.dirroot)
  try {
    await access(parent, constants.W_OK)
    const [a, b] = await Promise.all([stat(parent), stat(stagingDir)])
    return a.dev === b.dev
  } catch {
    return false
  }
}

/** A relative path inside the root (no absolute path, no `..`), normalised; null otherwise. */
function safeRelative(path: string): string | null {
  const n = normalize(path).replace(/^\.\/+/, '').replace(/\/+$/, '')
  if (n === '' || n === '.' || n.startsWith('/') || n.split(sep).includes('..')) return null
  return n
}

const exists = (path: string) => stat(path).then(() => true, () => false)
