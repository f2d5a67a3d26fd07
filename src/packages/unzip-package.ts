import { chmod, mkdir, open, rm } from 'node:fs/promises'
import { join, resolve, sep } from 'node:path'
import { type Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { crc32 } from 'node:zlib'
import { AppError } from '../shared/errors.ts'
import { entryFailure, ZipArchive, ZipFormatError, type ZipRecord } from './zip-entries.ts'

export type UnzipOptions = {
  /** Entry limit (`zip_max_entries`); counted over all entries, `__MACOSX/` included. */
  maxEntries: number
  /** Limit of the total unpacked size (`zip_max_uncompressed_bytes`), declared and counted while inflating. */
  maxUncompressedBytes: number
  /** Largest uncompressed/compressed ratio of one entry (default 200), checked once it has `ratioMinBytes`. */
  maxCompressionRatio?: number
  /** Entries smaller than this (default 1 MiB) are not ratio-checked: small text compresses well. */
  ratioMinBytes?: number
}

export type UnzipResult = {
  /** Top-level directories, sorted (`__MACOSX` left out). */
  directories: string[]
  /** Top-level files, sorted. */
  files: string[]
  /** Entries written (directories included, `__MACOSX/` left out). */
  entryCount: number
  /** Bytes written. */
  totalBytes: number
}

export const INVALID_ZIP_MESSAGE = 'Invalid zip file'

const S_IFMT = 0o170000
const S_IFREG = 0o100000
const S_IFDIR = 0o040000
const S_IFLNK = 0o120000
const MAX_PATH_BYTES = 4096
const MAX_SEGMENT_BYTES = 255
const SKIPPED_TOP = '__MACOSX'

type Planned = { record: ZipRecord; path: string; isDir: boolean; skipped: boolean }

/**
 * Unpacks `zipFile` into `targetDir`, a fresh directory created here (its parent must exist), under
 * the rules of moopanel-api.md §5.5.2. Every entry is validated from the central directory before
 * anything is written: unsafe paths (absolute, drive prefix, backslash, NUL or other control
 * characters, empty, `.` or `..` segments), symbolic links and other non-regular files, encrypted
 * entries, unsupported compression, duplicates (also after NFC and case folding, and file/directory
 * clashes), too many entries, a declared total over the limit, extreme ratios. While inflating,
 * the real byte count is checked against the limit, the declared size and the ratio, and CRC-32 is
 * verified. The archive is read with zip.js (zip-entries.ts) from the file as it goes, and each file
 * streams to disk, never held in memory. Entries below `__MACOSX/` are skipped. Directories get mode
 * 0755, files 0644.
 * On any failure after `targetDir` was created, it is removed, so nothing partial remains.
 *
 * Throws AppError: `zip_invalid`, `zip_unsafe_path`, `zip_symlink`, `zip_special_file`,
 * `zip_encrypted`, `zip_duplicate_entry`, `zip_too_many_entries`, `zip_too_large`,
 * `zip_compression_ratio`, `zip_size_mismatch`, `zip_staging_exists`.
 */
export async function unzipPackage(zipFile: string, targetDir: string, options: UnzipOptions): Promise<UnzipResult> {
  const target = resolve(targetDir)
  const zip = await openZip(zipFile)
  try {
    const planned = await readPlan(zip, options)
    try {
      await mkdir(target, { mode: 0o755 })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new AppError('MB_ZIP_STAGING_EXISTS')
      }
      throw error
    }
    try {
      await chmod(target, 0o755)
      return await extract(zip, planned, target, options)
    } catch (error) {
      await rm(target, { recursive: true, force: true })
      throw error
    }
  } finally {
    await zip.close()
  }
}

async function openZip(file: string): Promise<ZipArchive> {
  try {
    return await ZipArchive.open(file)
  } catch (error) {
    throw invalid('not a readable ZIP archive', error)
  }
}

/** Reads and validates the whole central directory; nothing is written yet. */
async function readPlan(zip: ZipArchive, options: UnzipOptions): Promise<Planned[]> {
  const planned: Planned[] = []
  const clashes = new ClashDetector()
  const ratio = options.maxCompressionRatio ?? 200
  const ratioMin = options.ratioMinBytes ?? 1024 * 1024
  let declaredTotal = 0
  try {
    for await (const record of zip.records()) {
      // The end record's entry count is known with the first record: over the limit, it ends there.
      if ((zip.declaredCount ?? 0) > options.maxEntries || planned.length + 1 > options.maxEntries) throw tooManyEntries()
      const item = planEntry(record)
      clashes.add(item.path, item.isDir)
      if (!item.skipped) {
        declaredTotal += record.uncompressedSize
        if (declaredTotal > options.maxUncompressedBytes) throw tooLarge()
        if (record.uncompressedSize >= ratioMin && record.uncompressedSize > ratio * Math.max(record.compressedSize, 1)) {
          throw ratioError()
        }
      }
      planned.push(item)
    }
  } catch (error) {
    if (error instanceof AppError) throw error
    if (error instanceof ZipFormatError) throw invalid(error.message, error.cause ?? error)
    throw invalid('corrupt central directory', error)
  }
  return planned
}

function planEntry(record: ZipRecord): Planned {
  // A stored entry's two sizes must agree (traditional encryption adds a 12-byte header); part of
  // reading the record, so checked first.
  if (record.method === 0 && record.compressedSize !== record.uncompressedSize + (record.encrypted ? 12 : 0)) {
    throw invalid('corrupt central directory')
  }
  // Both the name in use (the Unicode Path extra field's, when valid) and the plain header name
  // must be safe; a backslash stays a character (and is refused), never a separator.
  checkName(record.headerName)
  const path = checkName(record.name)
  const isDir = record.name.endsWith('/')

  if (record.encrypted || (record.flags & 0x40) !== 0) {
    throw new AppError('MB_ZIP_ENCRYPTED', { path: quote(path) })
  }
  if (record.method !== 0 && record.method !== 8) {
    throw invalid(`unsupported compression method of ${quote(path)}`)
  }
  const type = (record.externalFileAttributes >>> 16) & S_IFMT
  if (type === S_IFLNK) {
    throw new AppError('MB_ZIP_SYMLINK', { path: quote(path) })
  }
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
    throw new AppError('MB_ZIP_SPECIAL_FILE', { path: quote(path) })
  }
  if ((type === S_IFDIR && !isDir) || (type === S_IFREG && isDir)) {
    throw invalid(`entry type does not match its name ${quote(path)}`)
  }
  if (isDir && (record.uncompressedSize !== 0 || record.compressedSize > 2)) {
    throw invalid(`directory with content ${quote(path)}`)
  }
  const skipped = path === SKIPPED_TOP || path.startsWith(`${SKIPPED_TOP}/`)
  return { record, path, isDir, skipped }
}

/** Returns the path without a trailing `/`, or throws `zip_unsafe_path`. */
export function checkName(name: string): string {
  const unsafe = (why: string) =>
    new AppError('MB_ZIP_UNSAFE_PATH', { why, path: quote(name) })
  if (name === '' || name === '/') throw unsafe('empty path')
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw unsafe('control character in path')
  if (name.includes('\\')) throw unsafe('backslash in path')
  if (name.startsWith('/')) throw unsafe('absolute path')
  if (/^[A-Za-z]:/.test(name)) throw unsafe('drive prefix in path')
  if (Buffer.byteLength(name) > MAX_PATH_BYTES) throw unsafe('path too long')
  const path = name.endsWith('/') ? name.slice(0, -1) : name
  for (const segment of path.split('/')) {
    if (segment === '') throw unsafe('empty segment in path')
    if (segment === '.' || segment === '..') throw unsafe('relative segment in path')
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) throw unsafe('name too long')
  }
  return path
}

/**
 * Finds entries that would land on the same file: exact duplicates, names equal after NFC and
 * case folding (they collide on case-insensitive file systems), a directory spelt two ways, and a
 * file that is also a directory of another entry.
 */
class ClashDetector {
  private readonly explicit = new Set<string>()
  /** folded path → what it is and how it was first spelt */
  private readonly seen = new Map<string, { dir: boolean; spelling: string }>()

  add(path: string, isDir: boolean): void {
    const key = fold(path)
    if (this.explicit.has(key)) throw duplicate(path)
    this.explicit.add(key)
    const segments = path.split('/')
    for (let i = 1; i < segments.length; i++) this.note(segments.slice(0, i).join('/'), true, path)
    const before = this.seen.get(key)
    if (before && (!isDir || !before.dir || before.spelling !== path)) throw duplicate(path)
    this.seen.set(key, { dir: isDir, spelling: path })
  }

  private note(dir: string, isDir: boolean, path: string): void {
    const key = fold(dir)
    const before = this.seen.get(key)
    if (before && (!before.dir || before.spelling !== dir)) throw duplicate(path)
    if (!before) this.seen.set(key, { dir: isDir, spelling: dir })
  }
}

const fold = (path: string) => path.normalize('NFC').toLowerCase()

async function extract(zip: ZipArchive, planned: Planned[], target: string, options: UnzipOptions): Promise<UnzipResult> {
  const created = new Set<string>([target])
  const counter = { total: 0 }
  const directories = new Set<string>()
  const files = new Set<string>()
  let entryCount = 0
  for (const item of planned) {
    if (item.skipped) continue
    const segments = item.path.split('/')
    const dirSegments = item.isDir ? segments : segments.slice(0, -1)
    let dir = target
    for (const segment of dirSegments) {
      dir = join(dir, segment)
      if (created.has(dir)) continue
      await mkdir(dir, { mode: 0o755 })
      await chmod(dir, 0o755)
      created.add(dir)
    }
    if (segments.length > 1 || item.isDir) directories.add(segments[0]!)
    else files.add(segments[0]!)
    entryCount++
    if (item.isDir) continue
    const file = join(target, ...segments)
    if (!file.startsWith(target + sep)) throw new AppError('MB_ZIP_UNSAFE_PATH', { why: 'unsafe path', path: quote(item.path) })
    await writeEntry(zip, item, file, counter, options)
  }
  return { directories: [...directories].sort(), files: [...files].sort(), entryCount, totalBytes: counter.total }
}

async function writeEntry(zip: ZipArchive, item: Planned, file: string, counter: { total: number }, options: UnzipOptions): Promise<void> {
  const { record } = item
  const ratio = options.maxCompressionRatio ?? 200
  const ratioMin = options.ratioMinBytes ?? 1024 * 1024
  let bytes = 0
  let crc = 0
  const check = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length
      counter.total += chunk.length
      if (counter.total > options.maxUncompressedBytes) return callback(tooLarge())
      if (bytes > record.uncompressedSize) return callback(sizeMismatch(item.path))
      if (bytes >= ratioMin && bytes > ratio * Math.max(record.compressedSize, 1)) return callback(ratioError())
      crc = crc32(chunk, crc)
      callback(null, chunk)
    },
    flush(callback) {
      if (bytes !== record.uncompressedSize) return callback(sizeMismatch(item.path))
      if ((crc >>> 0) !== record.crc32) return callback(invalid(`CRC mismatch in ${quote(item.path)}`))
      callback()
    },
  })
  // O_EXCL: never follows or overwrites anything already there.
  const handle = await open(file, 'wx', 0o644)
  let input: Readable | undefined
  try {
    await handle.chmod(0o644)
    // Every inflated byte passes the counting Transform before it reaches the file.
    input = zip.openEntry(record)
    await pipeline(input, check, handle.createWriteStream())
  } catch (error) {
    input?.destroy()
    await handle.close().catch(() => {})
    throw translateStreamError(error, item.path)
  }
}

function translateStreamError(error: unknown, path: string): unknown {
  if (error instanceof AppError) return error
  const failure = entryFailure(error)
  if (failure === 'size') return sizeMismatch(path, error)
  if (failure === 'data') return invalid(`corrupt data in ${quote(path)}`, error)
  return error
}

function quote(name: string): string {
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name
  return JSON.stringify(shown)
}

function invalid(detail: string, cause?: unknown): AppError {
  return new AppError('MB_ZIP_INVALID', { detail }, { cause })
}

function duplicate(path: string): AppError {
  return new AppError('MB_ZIP_DUPLICATE_ENTRY', { path: quote(path) })
}

function tooManyEntries(): AppError {
  return new AppError('MB_ZIP_TOO_MANY_ENTRIES')
}

function tooLarge(): AppError {
  return new AppError('MB_ZIP_TOO_LARGE')
}

function ratioError(): AppError {
  return new AppError('MB_ZIP_COMPRESSION_RATIO')
}

function sizeMismatch(path: string, cause?: unknown): AppError {
  return new AppError('MB_ZIP_SIZE_MISMATCH', { path: quote(path) }, { cause })
}
