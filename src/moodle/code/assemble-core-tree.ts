import { access, constants, cp, stat } from 'node:fs/promises'
import { dirname, join, normalize, relative, sep } from 'node:path'
import { codeDirOf } from '../install-layout.ts'
import type { Moodle } from '../moodle.ts'
import { getPluginInventory } from '../plugins/plugin-inventory.ts'

/**
 * Completes a staged core tree (moopanel-api.md §5.8 step 3): `config.php` and every path of
 * `core_update_preserve_paths` are copied from the installation root to the same path relative to
 * the new tree's top, and every add-on (non-standard) plugin folder from the code directory to the
 * new tree's code directory (`public/` when the package has the 5.1+ layout, so add-ons follow a
 * move from the classic layout), unless the package already has that path. Returns the paths
 * copied, relative to the new tree's top.
 */
export async function assembleCoreTree(moodle: Moodle, newRoot: string, preservePaths: readonly string[]): Promise<string[]> {
  const inventory = await getPluginInventory(moodle)
  const newCode = relative(newRoot, codeDirOf(newRoot))
  const addOns = inventory.plugins
    .filter((p) => !p.isStandard && p.disk !== null)
    .map((p) => p.disk!.dir.replace(/^\/+/, ''))
    .map((rel) => ({ from: join(moodle.dirroot, rel), rel: newCode === '' ? rel : join(newCode, rel) }))
  const rootPaths = ['config.php', ...preservePaths.map(safeRelative).filter((p): p is string => p !== null)]
  const paths = [...rootPaths.map((rel) => ({ from: join(moodle.root, rel), rel })), ...addOns]
  // Parents first, so that a sub-plugin inside a copied add-on counts as present.
  const depth = (p: { rel: string }) => p.rel.split('/').length
  paths.sort((a, b) => depth(a) - depth(b) || (a.rel < b.rel ? -1 : 1))
  const copied: string[] = []
  for (const { from, rel } of paths) {
    const to = join(newRoot, rel)
    if (!(await exists(from)) || (await exists(to))) continue
    await cp(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true, errorOnExist: true, force: false })
    copied.push(rel)
  }
  return copied
}

/**
 * The installation root (the whole of it, config.php included, on either layout) can be swapped: its parent is writable and on the same filesystem as the staging
 * area (renames between them are atomic). False otherwise (§5.8 step 3).
 */
export async function coreRootReplaceable(moodle: Moodle, stagingDir: string): Promise<boolean> {
  const parent = dirname(moodle.root)
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
