import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { crc32 } from 'node:zlib'
import { AppError } from '../shared/errors.ts'
import { buildRawZip, buildZip, type RawZipEntry } from './test-zip.ts'
import { checkName, unzipPackage, type UnzipOptions } from './unzip-package.ts'

const LIMITS: UnzipOptions = { maxEntries: 100_000, maxUncompressedBytes: 10 * 1024 * 1024 }

let tmp: string
let counter = 0
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'mb-unzip-'))
})
after(async () => {
  await rm(tmp, { recursive: true, force: true })
})

async function zipFile(content: Buffer): Promise<string> {
  const file = join(tmp, `archive-${++counter}.zip`)
  await writeFile(file, content)
  return file
}

/** Unpacks and expects AppError `code`; the staging directory must not exist afterwards. */
async function refused(content: Buffer, code: string, options: UnzipOptions = LIMITS): Promise<void> {
  const file = await zipFile(content)
  const staging = join(tmp, `staging-${counter}`)
  let caught: unknown
  await unzipPackage(file, staging, options).catch((error: unknown) => {
    caught = error
  })
  assert.ok(caught instanceof AppError, `expected AppError ${code}, got ${String(caught)}`)
  assert.equal(caught.code, code, caught.message)
  assert.equal(caught.kind, 'invalid_input')
  assert.match(caught.message, /^Invalid zip file/)
  assert.equal(existsSync(staging), false, 'staging directory must not remain')
}

const raw = (...entries: RawZipEntry[]) => buildRawZip(entries)
const ok = (name: string, data = 'x'): RawZipEntry => ({ name, data: Buffer.from(data) })

describe('unzipPackage: a good package', () => {
  it('extracts files and directories with 0644/0755 and lists the top level', async () => {
    const file = await zipFile(
      await buildZip({
        'myplugin/': '',
        'myplugin/version.php': "<?php\n$plugin->component = 'local_myplugin';\n",
        'myplugin/lang/en/local_myplugin.php': '<?php $string["pluginname"] = "My";',
        '__MACOSX/myplugin/._version.php': 'apple double',
      }),
    )
    const staging = join(tmp, 'good')
    const result = await unzipPackage(file, staging, LIMITS)
    assert.deepEqual(result.directories, ['myplugin'])
    assert.deepEqual(result.files, [])
    assert.equal(result.entryCount, 3)
    assert.equal(existsSync(join(staging, '__MACOSX')), false)
    assert.match(await readFile(join(staging, 'myplugin/version.php'), 'utf8'), /local_myplugin/)
    assert.equal((await stat(staging)).mode & 0o777, 0o755)
    assert.equal((await stat(join(staging, 'myplugin/lang/en'))).mode & 0o777, 0o755)
    assert.equal((await stat(join(staging, 'myplugin/version.php'))).mode & 0o777, 0o644)
  })

  it('accepts stored entries, implicit parent directories and top-level files', async () => {
    const file = await zipFile(raw({ name: 'a/b/c.txt', data: Buffer.from('hello'), method: 0 }, ok('README.md')))
    const staging = join(tmp, 'implicit')
    const result = await unzipPackage(file, staging, LIMITS)
    assert.deepEqual(result, { directories: ['a'], files: ['README.md'], entryCount: 2, totalBytes: 6 })
    assert.equal(await readFile(join(staging, 'a/b/c.txt'), 'utf8'), 'hello')
  })

  it('does not trust highly compressible small text to be a bomb', async () => {
    const file = await zipFile(await buildZip({ 'p/blank.txt': ' '.repeat(512 * 1024) }))
    await unzipPackage(file, join(tmp, 'blank'), LIMITS)
  })

  it('refuses a staging directory that exists and leaves it alone', async () => {
    const file = await zipFile(await buildZip({ 'p/version.php': '<?php' }))
    const staging = join(tmp, 'exists')
    await mkdir(staging)
    await writeFile(join(staging, 'keep'), 'mine')
    await assert.rejects(unzipPackage(file, staging, LIMITS), { code: 'zip_staging_exists' })
    assert.equal(await readFile(join(staging, 'keep'), 'utf8'), 'mine')
  })
})

describe('unzipPackage: malicious archives', () => {
  it('refuses ../ traversal', () => refused(raw(ok('p/ok.txt'), ok('../evil')), 'zip_unsafe_path'))
  it('refuses ../ inside the path', () => refused(raw(ok('p/../../evil')), 'zip_unsafe_path'))
  it('refuses absolute paths', () => refused(raw(ok('/abs')), 'zip_unsafe_path'))
  it('refuses drive letters', () => refused(raw(ok('C:\\x')), 'zip_unsafe_path'))
  it('refuses drive letters with slashes', () => refused(raw(ok('C:/x')), 'zip_unsafe_path'))
  it('refuses backslashes', () => refused(raw(ok('a\\..\\b')), 'zip_unsafe_path'))
  it('refuses NUL in a name', () => refused(raw(ok('p/a\u0000.php')), 'zip_unsafe_path'))
  it('refuses . segments and empty segments', async () => {
    await refused(raw(ok('p/./x')), 'zip_unsafe_path')
    await refused(raw(ok('p//x')), 'zip_unsafe_path')
  })
  it('refuses a traversal hidden in the Info-ZIP Unicode path extra field', async () => {
    // Build an entry whose plain name is harmless but whose 0x7075 field says ../evil.
    const plain = Buffer.from('p/fine.txt')
    const zip = buildRawZip([{ name: plain, data: Buffer.from('x') }])
    const { crc32 } = await import('node:zlib')
    const unicode = Buffer.from('../evil')
    const field = Buffer.concat([Buffer.from([0x75, 0x70]), Buffer.alloc(2), Buffer.from([1]), Buffer.alloc(4), unicode])
    field.writeUInt16LE(5 + unicode.length, 2)
    field.writeUInt32LE(crc32(plain), 5)
    // Splice the extra field into the central directory record (extra length at +30, name at +46).
    const cdOffset = zip.readUInt32LE(zip.length - 6)
    const cd = Buffer.from(zip.subarray(cdOffset, zip.length - 22))
    cd.writeUInt16LE(field.length, 30)
    const newCd = Buffer.concat([cd.subarray(0, 46 + plain.length), field, cd.subarray(46 + plain.length)])
    const eocd = Buffer.from(zip.subarray(zip.length - 22))
    eocd.writeUInt32LE(newCd.length, 12)
    await refused(Buffer.concat([zip.subarray(0, cdOffset), newCd, eocd]), 'zip_unsafe_path')
  })
  it('refuses symbolic links', () => refused(raw({ name: 'p/link', data: Buffer.from('/etc/passwd'), unixMode: 0o120777 }), 'zip_symlink'))
  it('refuses device files and fifos', async () => {
    await refused(raw({ name: 'p/dev', unixMode: 0o020644 }), 'zip_special_file')
    await refused(raw({ name: 'p/fifo', unixMode: 0o010644 }), 'zip_special_file')
  })
  it('refuses encrypted entries', () => refused(raw({ name: 'p/secret', data: Buffer.from('x'), flags: 0x801 }), 'zip_encrypted'))
  it('refuses exact duplicates', () => refused(raw(ok('p/a.php', '1'), ok('p/a.php', '2')), 'zip_duplicate_entry'))
  it('refuses names differing only in case or normalisation', async () => {
    await refused(raw(ok('p/A.php'), ok('p/a.php')), 'zip_duplicate_entry')
    await refused(raw(ok('p/\u00e9.php'), ok('p/e\u0301.php')), 'zip_duplicate_entry')
    await refused(raw(ok('P/a.php'), ok('p/b.php')), 'zip_duplicate_entry')
  })
  it('refuses a file that is also a directory', async () => {
    await refused(raw(ok('p/x'), ok('p/x/y')), 'zip_duplicate_entry')
    await refused(raw(ok('p/x/y'), ok('p/x')), 'zip_duplicate_entry')
  })
  it('refuses too many entries (small limit)', () =>
    refused(raw(ok('p/1'), ok('p/2'), ok('p/3')), 'zip_too_many_entries', { ...LIMITS, maxEntries: 2 }))
  it('refuses 100 001 entries at the default limit', async () => {
    const entries = Array.from({ length: 100_001 }, (_, i): RawZipEntry => ({ name: `p/${i}`, method: 0 }))
    await refused(buildRawZip(entries), 'zip_too_many_entries')
  })
  it('refuses a zip bomb whose headers declare the size', async () => {
    const zeros = await buildZip({ 'p/bomb.bin': Buffer.alloc(11 * 1024 * 1024) })
    await refused(zeros, 'zip_too_large')
  })
  it('refuses an extreme compression ratio', async () => {
    const zeros = await buildZip({ 'p/bomb.bin': Buffer.alloc(4 * 1024 * 1024) })
    await refused(zeros, 'zip_compression_ratio')
  })
  it('refuses a bomb whose header lies about the size, while inflating', async () => {
    const bomb = raw(ok('p/version.php', '<?php'), { name: 'p/bomb.bin', data: Buffer.alloc(20 * 1024 * 1024), declaredSize: 100 })
    await refused(bomb, 'zip_size_mismatch')
  })
  it('refuses entries that are small one by one but too large together', async () => {
    // Two entries of 600 KiB each: under the limit one by one, over it together.
    const data = Buffer.alloc(600 * 1024, 7)
    const twoEntries = raw({ name: 'p/a', data }, { name: 'p/b', data })
    await refused(twoEntries, 'zip_too_large', { ...LIMITS, maxUncompressedBytes: 1024 * 1024 })
  })
  it('refuses a header that says fewer bytes than the data has (stored)', () =>
    refused(raw({ name: 'p/a', data: Buffer.from('abcdef'), method: 0, declaredSize: 3 }), 'zip_invalid'))
  it('refuses a wrong CRC', () => refused(raw({ name: 'p/a', data: Buffer.from('abc'), crc: 1234 }), 'zip_invalid'))
  it('refuses garbage and truncated archives', async () => {
    await refused(Buffer.from('this is not a zip'), 'zip_invalid')
    const good = await buildZip({ 'p/a.txt': 'a'.repeat(1000) })
    await refused(good.subarray(0, good.length - 30), 'zip_invalid')
  })
  it('removes a partly extracted staging directory when a later entry fails', async () => {
    const first = { name: 'p/a.txt', data: Buffer.from('fine') }
    await refused(raw(first, { name: 'p/b.txt', data: Buffer.alloc(1024 * 1024), declaredSize: 10 }), 'zip_size_mismatch')
  })
})

describe('unzipPackage: names and records as read with zip.js', () => {
  /** An Info-ZIP Unicode Path extra field (0x7075) naming `unicode` for the header name `header`. */
  const unicodeField = (header: Buffer, unicode: string): Buffer => {
    const name = Buffer.from(unicode)
    const field = Buffer.alloc(9 + name.length)
    field.writeUInt16LE(0x7075, 0)
    field.writeUInt16LE(5 + name.length, 2)
    field.writeUInt8(1, 4)
    field.writeUInt32LE(crc32(header) >>> 0, 5)
    name.copy(field, 9)
    return field
  }

  it('decodes a name without the UTF-8 flag as CP437, even when its bytes are valid UTF-8', async () => {
    const file = await zipFile(
      raw({ name: Buffer.from([0x70, 0x2f, 0x82, 0x2e, 0x74, 0x78, 0x74]), data: Buffer.from('cp437') }, { name: Buffer.from('p/ü.txt'), data: Buffer.from('bytes') }),
    )
    const staging = join(tmp, 'cp437')
    await unzipPackage(file, staging, LIMITS)
    assert.equal(await readFile(join(staging, 'p/é.txt'), 'utf8'), 'cp437')
    assert.equal(await readFile(join(staging, 'p/├╝.txt'), 'utf8'), 'bytes')
  })

  it('uses the Unicode Path extra field also when the UTF-8 flag is set', async () => {
    const header = Buffer.from('p/fine.txt')
    const file = await zipFile(raw({ name: 'p/fine.txt', data: Buffer.from('u'), extra: unicodeField(header, 'p/über.txt') }))
    const staging = join(tmp, 'unicode-path')
    await unzipPackage(file, staging, LIMITS)
    assert.equal(await readFile(join(staging, 'p/über.txt'), 'utf8'), 'u')
    assert.equal(existsSync(join(staging, 'p/fine.txt')), false)
  })

  it('refuses an unsafe header name behind a harmless Unicode Path name', async () => {
    const header = Buffer.from('../evil')
    await refused(raw({ name: header, data: Buffer.from('x'), extra: unicodeField(header, 'p/fine.txt') }), 'zip_unsafe_path')
  })

  it('refuses an entry count declared over the limit before looking at any record', () =>
    refused(raw(ok('../evil'), ok('p/b')), 'zip_too_many_entries', { ...LIMITS, maxEntries: 1 }))

  it('refuses data that inflates to fewer bytes than declared', () =>
    refused(raw({ name: 'p/a', data: Buffer.alloc(2000, 1), declaredSize: 3000 }), 'zip_size_mismatch'))

  it('refuses a corrupt deflate stream after an entry that was fine', async () => {
    const zip = raw(ok('p/a.txt', 'fine'), { name: 'p/b.txt', data: Buffer.from('hello hello hello hello') })
    const second = zip.indexOf(Buffer.from('PK\x03\x04', 'latin1'), 4)
    zip.fill(0xff, second + 30 + 'p/b.txt'.length, second + 30 + 'p/b.txt'.length + 6)
    await refused(zip, 'zip_invalid')
  })

  it('refuses strong encryption (flag bit 6) as encrypted', () =>
    refused(raw({ name: 'p/secret', data: Buffer.from('x'), flags: 0x840 }), 'zip_encrypted'))

  it('refuses a local header that disagrees with its central record', async () => {
    const zip = raw(ok('p/a.txt', 'hello'))
    zip.writeUInt16LE(0, 8) // local header: stored, the central record says deflated
    await refused(zip, 'zip_invalid')
  })

  it('refuses an extra field that runs past its record', () =>
    refused(raw({ name: 'p/a', data: Buffer.from('x'), extra: Buffer.from([0x75, 0x70, 9, 0, 1]) }), 'zip_invalid'))

  it('streams a large entry to disk unchanged', async () => {
    const data = Buffer.alloc(6 * 1024 * 1024)
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i)
    const file = await zipFile(raw({ name: 'p/big.bin', data }))
    const staging = join(tmp, 'large')
    const result = await unzipPackage(file, staging, LIMITS)
    assert.equal(result.totalBytes, data.length)
    assert.ok((await readFile(join(staging, 'p/big.bin'))).equals(data))
  })
})

describe('checkName', () => {
  it('returns the path without trailing slash for good names', () => {
    assert.equal(checkName('p/dir/'), 'p/dir')
    assert.equal(checkName('p/a b/ü.php'), 'p/a b/ü.php')
    assert.equal(checkName('p/..hidden'), 'p/..hidden')
  })
  it('throws zip_unsafe_path for bad names', () => {
    for (const name of ['', '/', '../x', 'a/..', 'a/./b', '/etc/passwd', 'c:x', 'a\\b', 'a\u0000', 'a\nb', 'a//b', `${'x'.repeat(256)}`]) {
      assert.throws(() => checkName(name), { code: 'zip_unsafe_path' }, JSON.stringify(name))
    }
  })
})
