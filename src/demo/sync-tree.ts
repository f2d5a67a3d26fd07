import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/**
 * Makes the directory `root` hold exactly `files` (relative path → content) and the directories
 * they need, plus `extraDirs`: entries not in that set are deleted, files whose content differs
 * are rewritten, missing ones are created. The result is the same as deleting `root` and writing
 * it afresh, but much faster on filesystems where creating files is slow (an unchanged file is
 * only read). Returns the number of files written.
 */
export function syncTree(root: string, files: ReadonlyMap<string, string | Uint8Array>, extraDirs: Iterable<string> = []): number {
  const dirs = new Set<string>()
  const addDir = (dir: string) => {
    for (let d = dir; d !== '.' && d !== '' && !dirs.has(d); d = dirname(d)) dirs.add(d)
  }
  for (const path of files.keys()) addDir(dirname(path))
  for (const dir of extraDirs) addDir(dir)

  const existing = new Set<string>()
  const prune = (relative: string) => {
    for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`
      if (entry.isDirectory() && dirs.has(path)) {
        existing.add(path)
        prune(path)
      } else if (!entry.isDirectory() && entry.isFile() && files.has(path)) {
        existing.add(path)
      } else {
        rmSync(join(root, path), { recursive: true, force: true })
      }
    }
  }
  mkdirSync(root, { recursive: true })
  prune('')

  // Parents sort before their children, so every mkdir is a single, non-recursive call.
  for (const dir of [...dirs].sort()) if (!existing.has(dir)) mkdirSync(join(root, dir))
  let written = 0
  for (const [path, content] of files) {
    const target = join(root, path)
    const bytes = typeof content === 'string' ? Buffer.from(content) : content
    if (existing.has(path) && readFileSync(target).equals(bytes)) continue
    writeFileSync(target, bytes)
    written++
  }
  return written
}
