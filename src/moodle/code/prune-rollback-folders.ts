import { readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Deletes rollback folders (`<code_staging_dir>/rollback/<job id>/`) older than the retention
 * (moopanel-api.md §5.5.5: kept `rollback_retention_days`), judged by the folder's modification
 * time. Returns how many were deleted; a missing area counts as empty.
 */
export async function pruneRollbackFolders(stagingDir: string, options: { retentionDays: number; nowMs: number }): Promise<number> {
  const area = join(stagingDir, 'rollback')
  const names = await readdir(area).catch(() => [] as string[])
  const cutoff = options.nowMs - options.retentionDays * 86_400_000
  let deleted = 0
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue
    const path = join(area, name)
    const info = await stat(path).catch(() => null)
    if (!info?.isDirectory() || info.mtimeMs >= cutoff) continue
    await rm(path, { recursive: true, force: true })
    deleted++
  }
  return deleted
}
