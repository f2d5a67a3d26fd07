import { openAsBlob } from 'node:fs'
import { Readable } from 'node:stream'
import { crc32 } from 'node:zlib'
import {
  BlobReader,
  ERR_AMBIGUOUS_ARCHIVE,
  ERR_CODEC_OUT_OF_MEMORY,
  ERR_ENCRYPTED,
  ERR_ENTRY_DATA_OUT_OF_BOUNDS,
  ERR_EXTRAFIELD_ZIP64_NOT_FOUND,
  ERR_INVALID_COMPRESSED_DATA,
  ERR_INVALID_CRC32,
  ERR_INVALID_UNCOMPRESSED_SIZE,
  ERR_LOCAL_FILE_HEADER_NOT_FOUND,
  ERR_UNSUPPORTED_COMPRESSION,
  ERR_UNSUPPORTED_ENCRYPTION,
  ZipReader,
  type Entry,
  type FileEntry,
} from '@zip.js/zip.js'
import { decodeCp437 } from './cp437.ts'

/**
 * Reading a ZIP archive entry by entry with zip.js (the service's one ZIP library), for
 * unzipPackage's checks: the central directory records with their raw facts, and each entry's
 * inflated bytes as a stream read from the file as it goes. No policy here (limits, names, types
 * are unzipPackage's); failures of the archive itself are `ZipFormatError`.
 */

const UTF8_FLAG = 0x800
const UNICODE_PATH_FIELD = 0x7075

/** One central directory record. */
export type ZipRecord = {
  /** The name in use: the Info-ZIP Unicode Path extra field's when valid, else the header name. */
  readonly name: string
  /** The header's own name: UTF-8 with the UTF-8 flag, else CP437. */
  readonly headerName: string
  /** General purpose bit flags. */
  readonly flags: number
  /** Compression method as stored (99 for WinZip AES). */
  readonly method: number
  readonly compressedSize: number
  readonly uncompressedSize: number
  readonly crc32: number
  readonly externalFileAttributes: number
  /** Traditional (bit 0) encryption flag; strong encryption is bit 6 of `flags`. */
  readonly encrypted: boolean
  /** Position in the central directory, from 0. */
  readonly index: number
}

/** Why an archive could not be read: `unreadable` (not a ZIP), `directory` (a broken record), `size`, `data`. */
export type ZipFailure = 'unreadable' | 'directory' | 'size' | 'data'

export class ZipFormatError extends Error {
  override readonly name = 'ZipFormatError'
  constructor(
    readonly failure: ZipFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

// zip.js's own name checks are off (unzipPackage checks both names itself, with its own codes);
// the other checks keep zip.js's default strictness ("balanced"): an end record found within the
// last 64 KiB, a local header that agrees with its central record.
const READER_OPTIONS = { useWebWorkers: false, filenameValidation: 'tolerant' } as const
// CRC-32 and sizes are checked by the caller while it counts the bytes (it needs its own messages).
const DATA_OPTIONS = { useWebWorkers: false, checkCrc32: false, checkSignature: false } as const

/** An open archive; `close()` it when done. */
export class ZipArchive {
  private readonly entries = new Map<ZipRecord, Entry>()
  private declared: number | undefined

  private constructor(private readonly reader: ZipReader<Blob>) {}

  /** Opens `file`; throws `ZipFormatError('unreadable')` when it cannot be read at all. */
  static async open(file: string): Promise<ZipArchive> {
    try {
      return new ZipArchive(new ZipReader(new BlobReader(await openAsBlob(file)), READER_OPTIONS))
    } catch (error) {
      throw new ZipFormatError('unreadable', 'not a readable ZIP archive', { cause: error })
    }
  }

  /** The entry count the end record declares; known once the first record is read. */
  get declaredCount(): number | undefined {
    return this.declared
  }

  /**
   * The central directory's records in order. A failure before the first record is `unreadable`,
   * after it `directory`; so is an extra field that runs past its record.
   */
  async *records(): AsyncGenerator<ZipRecord> {
    const entries = this.reader.getEntriesGenerator({
      onprogress: (_index: number, total: number) => {
        this.declared = total
      },
    })
    let index = 0
    for (;;) {
      let next: IteratorResult<Entry, unknown>
      try {
        next = await entries.next()
      } catch (error) {
        throw index === 0
          ? new ZipFormatError('unreadable', 'not a readable ZIP archive', { cause: error })
          : new ZipFormatError('directory', 'corrupt central directory', { cause: error })
      }
      if (next.done) return
      const record = toRecord(next.value, index++)
      this.entries.set(record, next.value)
      yield record
    }
  }

  /**
   * The inflated bytes of `record`, read from the file as they are consumed. The stream fails with
   * zip.js's error; `entryFailure` says what it means. No CRC or size check beyond zip.js's own
   * (more bytes than the header declares stop it with ERR_INVALID_UNCOMPRESSED_SIZE).
   */
  openEntry(record: ZipRecord): Readable {
    // zip.js types a record it takes for a directory without getData, yet every record has it: a
    // name without a trailing `/` is a file to the caller whatever its attributes say.
    const entry = this.entries.get(record) as FileEntry | undefined
    if (!entry) throw new Error('not a record of this archive')
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>()
    entry.getData(writable, DATA_OPTIONS).catch(async (error: unknown) => {
      // zip.js refuses some entries (no local header, data out of bounds, encrypted) before it
      // takes the writable: end the stream with the error here, or it would never end.
      if (!writable.locked) await writable.abort(error).catch(() => {})
    })
    return Readable.fromWeb(readable as import('node:stream/web').ReadableStream<Uint8Array>)
  }

  async close(): Promise<void> {
    await this.reader.close().catch(() => {})
  }
}

const DATA_ERRORS = new Set([
  ERR_AMBIGUOUS_ARCHIVE,
  ERR_CODEC_OUT_OF_MEMORY,
  ERR_ENCRYPTED,
  ERR_ENTRY_DATA_OUT_OF_BOUNDS,
  ERR_EXTRAFIELD_ZIP64_NOT_FOUND,
  ERR_INVALID_COMPRESSED_DATA,
  ERR_INVALID_CRC32,
  ERR_LOCAL_FILE_HEADER_NOT_FOUND,
  ERR_UNSUPPORTED_COMPRESSION,
  ERR_UNSUPPORTED_ENCRYPTION,
])

/**
 * What an error of an `openEntry` stream means: `size` when the data inflates to more bytes than
 * declared, `data` when the entry's data is broken (corrupt deflate stream, missing local header,
 * data past the end, a local header that disagrees); undefined for anything else (e.g. a
 * file-system error of the caller's output), which is not the archive's fault.
 */
export function entryFailure(error: unknown): 'size' | 'data' | undefined {
  if (!(error instanceof Error)) return undefined
  if (error.message === ERR_INVALID_UNCOMPRESSED_SIZE) return 'size'
  if (DATA_ERRORS.has(error.message)) return 'data'
  // The platform's DecompressionStream rejects a bad deflate stream with a TypeError (Z_DATA_ERROR).
  if ((error as { code?: unknown }).code === 'Z_DATA_ERROR' || (error instanceof TypeError && /compress|deflate|inflate/i.test(error.message))) {
    return 'data'
  }
  return undefined
}

function toRecord(entry: Entry, index: number): ZipRecord {
  const flags = entry.rawBitFlag ?? 0
  const raw = entry.rawFilename
  const headerName = decodeName(raw, flags)
  const name = unicodePath(entry.rawExtraField, raw, index) ?? headerName
  return {
    name,
    headerName,
    flags,
    // zip.js reports the AES field's inner method; the header's own is kept there.
    method: entry.extraFieldAES?.originalCompressionMethod ?? entry.compressionMethod,
    compressedSize: entry.compressedSize,
    uncompressedSize: entry.uncompressedSize,
    crc32: (entry.crc32 ?? 0) >>> 0,
    externalFileAttributes: entry.externalFileAttributes >>> 0,
    encrypted: (flags & 0x1) !== 0,
    index,
  }
}

function decodeName(raw: Uint8Array, flags: number): string {
  return (flags & UTF8_FLAG) !== 0 ? Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('utf8') : decodeCp437(raw)
}

/**
 * The Info-ZIP Unicode Path extra field (0x7075): version 1, the CRC-32 of the header name, the
 * UTF-8 name. The first such field of at least 6 bytes, version 1 and a matching CRC counts, with or
 * without the UTF-8 flag (zip.js uses it only without the flag, so it is read here).
 */
function unicodePath(extra: Uint8Array, headerName: Uint8Array, index: number): string | undefined {
  for (const field of extraFields(extra, index)) {
    if (field.id !== UNICODE_PATH_FIELD || field.data.length < 6 || field.data[0] !== 1) continue
    if (field.data.readUInt32LE(1) !== crc32(headerName) >>> 0) continue
    return field.data.subarray(5).toString('utf8')
  }
  return undefined
}

/** The extra fields of a record; one running past the end of the extra data is a broken record. */
function extraFields(extra: Uint8Array, index: number): Array<{ id: number; data: Buffer }> {
  const buffer = Buffer.from(extra.buffer, extra.byteOffset, extra.length)
  const fields: Array<{ id: number; data: Buffer }> = []
  for (let i = 0; i + 4 <= buffer.length; ) {
    const id = buffer.readUInt16LE(i)
    const end = i + 4 + buffer.readUInt16LE(i + 2)
    if (end > buffer.length) throw new ZipFormatError('directory', 'corrupt central directory', { cause: new Error(`extra field of entry ${index} runs past its record`) })
    fields.push({ id, data: buffer.subarray(i + 4, end) })
    i = end
  }
  return fields
}
