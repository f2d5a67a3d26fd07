import { lstat, realpath, stat, unlink } from 'node:fs/promises'
import { dirname, join, sep } from 'node:path'
import type { Moodle } from '../moodle.ts'

/** The folder below the dataroot that holds the service's course backups. */
const BACKUP_FOLDER = 'moopanel_course_backups'

/**
 * The syntactic link rule (moopanel-api.md §4.18): 1–255 characters, relative, no backslash, NUL
 * or empty segment, no segment that is `.`, `..` or starts with `.`, ending in `.zip`.
 */
export function isWellFormedBackupLink(link: unknown): link is string {
  if (typeof link !== 'string') return false
  const length = [...link].length
  if (length < 1 || length > 255 || link.startsWith('/') || link.includes('\\') || link.includes('\u0000')) return false
  const segments = link.split('/')
  if (segments.some((s) => s === '' || s.startsWith('.'))) return false
  return /\.zip$/i.test(segments[segments.length - 1]!)
}

/**
 * The absolute path of a backup link, or null when the link breaks the rule: after resolving
 * symbolic links the file must lie inside the backup folder and, when it exists, be a regular file.
 */
export async function resolveBackupFile(moodle: Moodle, link: string): Promise<string | null> {
  if (!isWellFormedBackupLink(link) || !moodle.dataroot) return null
  const folder = join(moodle.dataroot, BACKUP_FOLDER)
  const folderReal = await realpath(folder).catch(() => null)
  if (folderReal === null) return join(folder, link) // no folder: nothing can exist below it
  const file = join(folder, link)
  const existing = await nearestExisting(file)
  const real = await realpath(existing)
  if (real !== folderReal && !real.startsWith(folderReal + sep)) return null
  if (existing === file && !(await stat(file)).isFile()) return null
  return file
}

/** `<dataroot>/moopanel_course_backups`, where backups are stored (`<mode>/<name>.zip`). */
export function backupFolderOf(moodle: Moodle): string {
  if (!moodle.dataroot) throw new Error('the dataroot is not known')
  return join(moodle.dataroot, BACKUP_FOLDER)
}

/** Deletes a backup file: `deleted`, `absent` (already gone: deleting is idempotent), `failed` or `invalid`. */
export async function deleteBackupFile(moodle: Moodle, link: string): Promise<'deleted' | 'absent' | 'failed' | 'invalid'> {
  const file = await resolveBackupFile(moodle, link)
  if (file === null) return 'invalid'
  try {
    await unlink(file)
    return 'deleted'
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'failed'
  }
}

async function nearestExisting(path: string): Promise<string> {
  let current = path
  for (;;) {
    if (await lstat(current).then(() => true, () => false)) return current
    const parent = dirname(current)
    if (parent === current) return current
    current = parent
  }
}
