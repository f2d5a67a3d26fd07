import { createWriteStream, openAsBlob } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { BlobReader, ERR_ENCRYPTED, ERR_INVALID_PASSWORD, ZipReader, type Entry, type FileEntry } from '@zip.js/zip.js'
import { AppError } from '../shared/errors.ts'
import { checkName } from './unzip-package.ts'

/** Options of `extractEncryptedEntry`. */
export interface ExtractEntryOptions {
  /** The archive password; ignored for an entry that is not encrypted. */
  password: string
  /** Which entries count, by their path (e.g. names ending in `.mbz`); exactly one must match. */
  select: (path: string) => boolean
  /** An existing directory; the entry is written there under its last path segment. */
  targetDir: string
  signal?: AbortSignal
}

/** The extracted file. */
export interface ExtractedEntry {
  path: string
  entryName: string
  sizeBytes: number
}

const S_IFMT = 0o170000
const S_IFREG = 0o100000

/**
 * Extracts the one selected entry of a ZIP that may be encrypted with WinZip AES (AE-1 or AE-2,
 * any key size), checking the password before anything is written and the AES authentication code
 * (and for AE-1 and unencrypted entries the CRC-32) while inflating. Every entry name must pass the
 * rules of moopanel-api.md §5.5.2 and the selected one must be a regular file; no size limits
 * apply (the caller knows where the archive comes from). Entries below `__MACOSX/` are ignored.
 * The archive is read from disk as it goes, so large archives are fine.
 *
 * Throws AppError: `zip_wrong_password`; `zip_invalid` (not a ZIP, no or several matching entries,
 * ZipCrypto or other unsupported encryption, a corrupt or tampered entry), `zip_unsafe_path`,
 * `zip_symlink`, `zip_special_file`. A partly written file is removed.
 */
export async function extractEncryptedEntry(zipFile: string, options: ExtractEntryOptions): Promise<ExtractedEntry> {
  // Names are checked by checkName below (zip_unsafe_path, as for the package unzip): zip.js's own
  // check would refuse `../x` before it, as an unreadable archive.
  const reader = new ZipReader(new BlobReader(await openAsBlob(zipFile)), { useWebWorkers: false, filenameValidation: 'tolerant' })
  try {
    let entries: Entry[]
    try {
      entries = await reader.getEntries()
    } catch (error) {
      throw invalid('not a readable ZIP archive', error)
    }
    const entry = selectEntry(entries, options.select)
    if (entry.encrypted && entry.zipCrypto) throw invalid('ZipCrypto encryption is not accepted')
    const readOptions = { password: options.password, useWebWorkers: false, checkCrc32: true, ...(options.signal ? { signal: options.signal } : {}) }
    if (entry.encrypted) {
      try {
        await entry.getData(new WritableStream<Uint8Array>(), { ...readOptions, checkPasswordOnly: true })
      } catch (error) {
        throw translate(error)
      }
    }
    const name = entry.filename.split('/').at(-1)!
    const target = join(options.targetDir, name)
    // O_EXCL: never follows or overwrites anything already there.
    const output = createWriteStream(target, { flags: 'wx', mode: 0o644 })
    try {
      await entry.getData(Writable.toWeb(output) as WritableStream<Uint8Array>, readOptions)
      if (!output.closed) await finished(output)
    } catch (error) {
      output.destroy()
      await rm(target, { force: true })
      throw translate(error)
    }
    return { path: target, entryName: entry.filename, sizeBytes: output.bytesWritten }
  } finally {
    await reader.close().catch(() => undefined)
  }
}

function selectEntry(entries: Entry[], select: (path: string) => boolean): FileEntry {
  const chosen: FileEntry[] = []
  for (const entry of entries) {
    const path = checkName(entry.filename)
    if (path === '__MACOSX' || path.startsWith('__MACOSX/')) continue
    if (entry.symlink) throw new AppError('MB_ZIP_SYMLINK', { path: JSON.stringify(path) })
    if (entry.directory) continue
    const type = (entry.externalFileAttributes >>> 16) & S_IFMT
    if (type !== 0 && type !== S_IFREG) throw new AppError('MB_ZIP_SPECIAL_FILE', { path: JSON.stringify(path) })
    if (select(path)) chosen.push(entry)
  }
  if (chosen.length !== 1) throw invalid(chosen.length === 0 ? 'no matching entry' : 'several matching entries')
  return chosen[0]!
}

function translate(error: unknown): unknown {
  if (error instanceof AppError) return error
  // ERR_ENCRYPTED: an empty password for an encrypted entry, which is as wrong as any other.
  if (error instanceof Error && (error.message === ERR_INVALID_PASSWORD || error.message === ERR_ENCRYPTED)) {
    return new AppError('MB_ZIP_WRONG_PASSWORD', undefined, { cause: error })
  }
  if (error instanceof Error && error.name === 'AbortError') return error
  return invalid('unreadable entry', error)
}

function invalid(detail: string, cause?: unknown): AppError {
  return new AppError('MB_ZIP_INVALID', { detail }, { cause })
}
