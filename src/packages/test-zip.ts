/**
 * Test support, only tests import it. `buildZip` writes well-formed archives with zip.js's
 * ZipWriter (the service's ZIP library). `buildRawZip` writes archives byte by byte, because the
 * malicious shapes the tests need are ones a ZIP writer refuses or cannot express: `../x`,
 * backslashes, NUL, duplicate names, sizes and CRCs that lie, raw (non-UTF-8) name bytes, any
 * flags, mode bits and extra fields.
 */
import { crc32, deflateRawSync } from 'node:zlib'
import { Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } from '@zip.js/zip.js'

export type RawZipEntry = {
  /** Written as is (UTF-8 flag set for strings). */
  name: string | Buffer
  data?: Buffer
  /** 0 stored, 8 deflated (default). */
  method?: 0 | 8
  /** Uncompressed size written in both headers (default: the real size). */
  declaredSize?: number
  /** CRC-32 written in both headers (default: the real one). */
  crc?: number
  /** Unix mode for the high 16 bits of the external attributes (default 0o100644, or 0o040755 for `…/`). */
  unixMode?: number
  /** General purpose flags (default 0x800 for string names). */
  flags?: number
  /** Extra field bytes of the central directory record (default none; the local header has none). */
  extra?: Buffer
}

const u16 = (value: number) => {
  const b = Buffer.alloc(2)
  b.writeUInt16LE(value)
  return b
}
const u32 = (value: number) => {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(value >>> 0)
  return b
}
const u64 = (value: number) => {
  const b = Buffer.alloc(8)
  b.writeBigUInt64LE(BigInt(value))
  return b
}

/** A ZIP with the given entries; a ZIP64 end record is added when there are more than 65 535. */
export function buildRawZip(entries: readonly RawZipEntry[]): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const entry of entries) {
    const name = typeof entry.name === 'string' ? Buffer.from(entry.name, 'utf8') : entry.name
    const data = entry.data ?? Buffer.alloc(0)
    const method = entry.method ?? 8
    const body = method === 8 ? deflateRawSync(data) : data
    const crc = entry.crc ?? crc32(data)
    const size = entry.declaredSize ?? data.length
    const flags = entry.flags ?? (typeof entry.name === 'string' ? 0x800 : 0)
    const isDir = name.length > 0 && name[name.length - 1] === 0x2f
    const mode = entry.unixMode ?? (isDir ? 0o040755 : 0o100644)
    const extra = entry.extra ?? Buffer.alloc(0)
    const common = Buffer.concat([u16(20), u16(flags), u16(method), u16(0), u16(0x21), u32(crc), u32(body.length), u32(size), u16(name.length)])
    const local = Buffer.concat([u32(0x04034b50), common, u16(0), name, body])
    const central = Buffer.concat([
      u32(0x02014b50),
      u16((3 << 8) | 20), // made by Unix
      common,
      u16(extra.length),
      u16(0), // comment length
      u16(0), // disk
      u16(0), // internal attributes
      u32(mode * 0x10000),
      u32(offset),
      name,
      extra,
    ])
    locals.push(local)
    centrals.push(central)
    offset += local.length
  }
  const directory = Buffer.concat(centrals)
  const count = entries.length
  const tail: Buffer[] = []
  if (count > 0xffff) {
    const zip64Offset = offset + directory.length
    tail.push(
      Buffer.concat([u32(0x06064b50), u64(44), u16(45), u16(45), u32(0), u32(0), u64(count), u64(count), u64(directory.length), u64(offset)]),
      Buffer.concat([u32(0x07064b50), u32(0), u64(zip64Offset), u32(1)]),
    )
  }
  const shortCount = Math.min(count, 0xffff)
  tail.push(Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(shortCount), u16(shortCount), u32(directory.length), u32(offset), u16(0)]))
  return Buffer.concat([...locals, directory, ...tail])
}

/** A well-formed ZIP built with zip.js: path → content (a path ending in `/` is a directory). */
export async function buildZip(files: Record<string, string | Buffer>): Promise<Buffer> {
  const zip = new ZipWriter(new Uint8ArrayWriter(), { useWebWorkers: false })
  for (const [path, content] of Object.entries(files)) {
    if (path.endsWith('/')) await zip.add(path, undefined, { directory: true })
    else await zip.add(path, new Uint8ArrayReader(typeof content === 'string' ? Buffer.from(content) : content))
  }
  return Buffer.from(await zip.close())
}
