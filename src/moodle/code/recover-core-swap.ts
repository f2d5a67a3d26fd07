import { readdir, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { codeDirOf } from '../install-layout.ts'

const exists = (path: string) => stat(path).then(() => true, () => false)

/**
 * Completes a core-update swap that a crash interrupted between its two renames (moopanel-api.md
 * §5.8 step 5), before anything reads the Moodle root: when the root is missing, the staged tree of
 * the job whose rollback holds the old root is renamed into place (the job then resumes with the
 * upgrade); without a staged tree the old root is renamed back. Returns what was done, or null
 * when the root exists or no interrupted swap is found. `root` is the installation root (where
 * config.php lives; the whole root is swapped on either layout).
 */
export async function recoverInterruptedCoreSwap(root: string, stagingDir: string): Promise<string | null> {
  if (await exists(root)) return null
  const rollbackArea = join(stagingDir, 'rollback')
  const jobs = (await readdir(rollbackArea).catch(() => [] as string[])).filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(b) - Number(a))
  for (const job of jobs) {
    const old = join(rollbackArea, job, 'moodle')
    if (!(await exists(join(old, 'config.php')))) continue
    const staged = join(stagingDir, 'jobs', job, 'unpacked', 'moodle')
    if (await exists(join(codeDirOf(staged), 'version.php'))) {
      await rename(staged, root)
      return `completed the interrupted core swap of job ${job}`
    }
    await rename(old, root)
    return `restored the Moodle root of job ${job}`
  }
  return null
}
