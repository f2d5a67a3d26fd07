import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { crc32 } from 'node:zlib'
import { CP437_TABLE_SIZE, decodeCp437 } from './cp437.ts'
import { buildRawZip, buildZip, type RawZipEntry } from './test-zip.ts'
import { entryFailure, ZipArchive, ZipFormatError, type ZipRecord } from './zip-entries.ts'

let tmp: string
let counter = 0
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'mb-zip-entries-'))
})
after(async () => {
  await rm(tmp, { recursive: true, force: true })
})

async function open(content: Buffer): Promise<ZipArchive> {
  const file = join(tmp, `archive-${++counter}.zip`)
  await writeFile(file, content)
  return ZipArchive.open(file)
}

async function recordsOf(content: Buffer): Promise<ZipRecord[]> {
  const zip = await open(content)
  try {
    const records: ZipRecord[] = []
    for await (const record of zip.records()) records.push(record)
    return records
  } finally {
    await zip.close()
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Reads the one entry of `content`; resolves to the bytes or the stream's error. */
async function readOnly(content: Buffer): Promise<Buffer | Error> {
  const zip = await open(content)
  try {
    for await (const record of zip.records()) return await readAll(zip.openEntry(record)).catch((error: Error) => error)
    throw new Error('no entry')
  } finally {
    await zip.close()
  }
}

/** An Info-ZIP Unicode Path extra field naming `unicode` for the header name `header`. */
function unicodeField(header: Buffer, unicode: string, { version = 1, crc = crc32(header) } = {}): Buffer {
  const name = Buffer.from(unicode, 'utf8')
  const field = Buffer.alloc(9 + name.length)
  field.writeUInt16LE(0x7075, 0)
  field.writeUInt16LE(5 + name.length, 2)
  field.writeUInt8(version, 4)
  field.writeUInt32LE(crc >>> 0, 5)
  name.copy(field, 9)
  return field
}

describe('cp437', () => {
  it('maps every byte, the graphic characters below 0x20 and the upper half', () => {
    assert.equal(CP437_TABLE_SIZE, 256)
    assert.equal(decodeCp437(Buffer.from([0x00, 0x01, 0x0a, 0x41, 0x7f, 0x80, 0x82, 0xe1, 0xff])), '\u0000☺◙A⌂Çéß\u00a0')
  })
})

describe('ZipArchive records', () => {
  it('lists records in order with their facts and the declared count', async () => {
    const zip = await open(await buildZip({ 'p/': '', 'p/a.txt': 'hello', 'p/ü.txt': '' }))
    try {
      assert.equal(zip.declaredCount, undefined)
      const seen: Array<[string, number | undefined]> = []
      for await (const record of zip.records()) {
        seen.push([record.name, zip.declaredCount])
        if (record.name === 'p/a.txt') {
          assert.equal(record.uncompressedSize, 5)
          assert.equal(record.method, 8)
          assert.equal(record.crc32, crc32(Buffer.from('hello')) >>> 0)
          assert.equal(await readAll(zip.openEntry(record)).then(String), 'hello')
        }
      }
      assert.deepEqual(seen, [
        ['p/', 3],
        ['p/a.txt', 3],
        ['p/ü.txt', 3],
      ])
    } finally {
      await zip.close()
    }
  })

  it('decodes names without the UTF-8 flag as CP437, also when the bytes would be valid UTF-8', async () => {
    const [cp437, utf8Bytes, flagged] = await recordsOf(
      buildRawZip([
        { name: Buffer.from([0x70, 0x2f, 0x82, 0x2e, 0x70, 0x68, 0x70]), data: Buffer.from('x') },
        { name: Buffer.from('p/ü.php', 'utf8'), data: Buffer.from('x') },
        { name: 'p/ü.php', data: Buffer.from('x') },
      ]),
    )
    assert.equal(cp437!.name, 'p/é.php')
    assert.equal(utf8Bytes!.name, 'p/├╝.php')
    assert.equal(flagged!.name, 'p/ü.php')
  })

  it('uses the Unicode Path extra field with or without the UTF-8 flag, and keeps the header name', async () => {
    const header = Buffer.from('p/fine.txt')
    const records = await recordsOf(
      buildRawZip([
        { name: header, data: Buffer.from('x'), extra: unicodeField(header, 'p/über.txt') },
        { name: 'p/fine.txt', data: Buffer.from('x'), extra: unicodeField(header, '../evil') },
      ]),
    )
    assert.deepEqual(
      records.map((r) => [r.name, r.headerName]),
      [
        ['p/über.txt', 'p/fine.txt'],
        ['../evil', 'p/fine.txt'],
      ],
    )
  })

  it('ignores a Unicode Path field of another version, a wrong CRC or too short', async () => {
    const header = Buffer.from('p/fine.txt')
    const short = Buffer.from([0x75, 0x70, 5, 0, 1, 0, 0, 0, 0])
    short.writeUInt32LE(crc32(header) >>> 0, 5)
    const records = await recordsOf(
      buildRawZip([
        { name: header, extra: unicodeField(header, 'p/a', { version: 2 }) },
        { name: header, extra: unicodeField(header, 'p/b', { crc: 1 }) },
        { name: header, extra: short },
      ]),
    )
    assert.deepEqual(
      records.map((r) => r.name),
      ['p/fine.txt', 'p/fine.txt', 'p/fine.txt'],
    )
  })

  it('refuses an extra field that runs past its record as a broken directory', async () => {
    const entries: RawZipEntry[] = [{ name: 'p/a', data: Buffer.from('x') }, { name: 'p/b', extra: Buffer.from([0x75, 0x70, 9, 0, 1]) }]
    await assert.rejects(recordsOf(buildRawZip(entries)), (error: unknown) => error instanceof ZipFormatError && error.failure === 'directory')
  })

  it('says unreadable for what is not a ZIP, or a missing file', async () => {
    await assert.rejects(recordsOf(Buffer.from('this is not a zip')), (error: unknown) => error instanceof ZipFormatError && error.failure === 'unreadable')
    await assert.rejects(ZipArchive.open(join(tmp, 'missing.zip')), (error: unknown) => error instanceof ZipFormatError && error.failure === 'unreadable')
  })

  it('reports the raw compression method of a WinZip AES record', async () => {
    const aes = Buffer.from([0x01, 0x99, 7, 0, 2, 0, 0x41, 0x45, 3, 8, 0])
    const [record] = await recordsOf(buildRawZip([{ name: 'p/a', data: Buffer.from('x'), flags: 0x801, extra: aes }]))
    assert.equal(record!.encrypted, true)
  })
})

describe('ZipArchive.openEntry', () => {
  it('fails with a size failure when the data inflates past the declared size', async () => {
    const error = await readOnly(buildRawZip([{ name: 'p/bomb', data: Buffer.alloc(4 * 1024 * 1024), declaredSize: 100 }]))
    assert.ok(error instanceof Error)
    assert.equal(entryFailure(error), 'size')
  })

  it('fails (and ends) for an encrypted entry zip.js refuses before reading', async () => {
    const error = await readOnly(buildRawZip([{ name: 'p/secret', data: Buffer.from('x'), flags: 0x801 }]))
    assert.ok(error instanceof Error)
    assert.equal(entryFailure(error), 'data')
  })

  it('fails with a data failure for a corrupt deflate stream and data past the end', async () => {
    const good = buildRawZip([{ name: 'p/a', data: Buffer.from('hello hello hello hello') }])
    const corrupt = Buffer.from(good)
    corrupt.fill(0xff, 30 + 3, 30 + 3 + 6) // the deflate bytes after the local header and name
    assert.equal(entryFailure(await readOnly(corrupt)), 'data')
    const lying = buildRawZip([{ name: 'p/a', data: Buffer.from('abc'), method: 0 }])
    lying.writeUInt32LE(0x7fffffff, lying.indexOf(Buffer.from('PK\x01\x02', 'latin1')) + 20)
    lying.writeUInt32LE(0x7fffffff, 18)
    assert.equal(entryFailure(await readOnly(lying)), 'data')
  })

  it('streams a stored entry unchanged', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024, 'abc')
    const bytes = await readOnly(buildRawZip([{ name: 'p/big', data, method: 0 }]))
    assert.ok(Buffer.isBuffer(bytes) && bytes.equals(data))
  })

  it('leaves other errors unclassified', () => {
    assert.equal(entryFailure(Object.assign(new Error('no space'), { code: 'ENOSPC' })), undefined)
    assert.equal(entryFailure('x'), undefined)
  })
})
