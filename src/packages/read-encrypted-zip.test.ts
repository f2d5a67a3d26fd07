import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { crc32 } from 'node:zlib'
import { BlobWriter, TextReader, ZipWriter } from '@zip.js/zip.js'
import type { AppError } from '../shared/errors.ts'
import { extractEncryptedEntry } from './read-encrypted-zip.ts'
import { buildRawZip } from './test-zip.ts'
import { checkName } from './unzip-package.ts'
import { writeEncryptedZip } from './write-encrypted-zip.ts'

const mbz = (path: string) => /\.mbz$/i.test(path)

/** Rewrites an AE-2 archive of one entry as AE-1: vendor version 1 and the content's CRC-32 in every header. */
function asAe1(zip: Buffer, content: Buffer, crc = crc32(content) >>> 0): Buffer {
  const out = Buffer.from(zip)
  for (let i = out.indexOf(Buffer.from([0x01, 0x99, 0x07, 0x00])); i >= 0; i = out.indexOf(Buffer.from([0x01, 0x99, 0x07, 0x00]), i + 1)) out.writeUInt16LE(1, i + 4)
  out.writeUInt32LE(crc, out.indexOf(Buffer.from('PK\x03\x04', 'latin1')) + 14)
  out.writeUInt32LE(crc, out.indexOf(Buffer.from('PK\x01\x02', 'latin1')) + 16)
  const descriptor = out.indexOf(Buffer.from('PK\x07\x08', 'latin1'))
  if (descriptor >= 0) out.writeUInt32LE(crc, descriptor + 4)
  return out
}

async function zipOf(entries: Array<[string, string, { password?: string; zipCrypto?: boolean }?]>): Promise<Buffer> {
  const writer = new ZipWriter(new BlobWriter('application/zip'), { useWebWorkers: false })
  for (const [name, text, o] of entries) {
    await writer.add(name, new TextReader(text), o?.password ? { password: o.password, zipCrypto: o.zipCrypto ?? false, encryptionStrength: 3 } : {})
  }
  return Buffer.from(await (await writer.close()).arrayBuffer())
}

describe('extractEncryptedEntry', () => {
  let root: string
  let n = 0
  const content = Buffer.from('a course backup '.repeat(5000))
  const target = async () => {
    const dir = join(root, `out-${++n}`)
    await mkdir(dir)
    return dir
  }
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'mb-enczip-'))
    await writeFile(join(root, 'src.mbz'), content)
    await writeEncryptedZip(join(root, 'src.mbz'), 'course_5__2026.mbz', join(root, 'ae2.zip'), 'pw-ü')
    await writeFile(join(root, 'ae1.zip'), asAe1(await readFile(join(root, 'ae2.zip')), content))
  })
  after(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('extracts the one .mbz of an AE-2 archive (what the backup job writes)', async () => {
    const dir = await target()
    const got = await extractEncryptedEntry(join(root, 'ae2.zip'), { password: 'pw-ü', select: mbz, targetDir: dir })
    assert.deepEqual(got, { path: join(dir, 'course_5__2026.mbz'), entryName: 'course_5__2026.mbz', sizeBytes: content.length })
    assert.ok((await readFile(got.path)).equals(content))
  })

  it('extracts AE-1 archives (the original plugin) and checks their CRC-32', async () => {
    const dir = await target()
    const got = await extractEncryptedEntry(join(root, 'ae1.zip'), { password: 'pw-ü', select: mbz, targetDir: dir })
    assert.ok((await readFile(got.path)).equals(content))
    await writeFile(join(root, 'ae1-bad.zip'), asAe1(await readFile(join(root, 'ae2.zip')), content, (crc32(content) ^ 1) >>> 0))
    const bad = await target()
    await assert.rejects(extractEncryptedEntry(join(root, 'ae1-bad.zip'), { password: 'pw-ü', select: mbz, targetDir: bad }), { code: 'zip_invalid' })
    assert.deepEqual(await readdir(bad), [], 'nothing partial is left')
  })

  it('says the password is wrong before writing anything', async () => {
    const dir = await target()
    await assert.rejects(extractEncryptedEntry(join(root, 'ae2.zip'), { password: 'nope', select: mbz, targetDir: dir }), { code: 'zip_wrong_password' })
    await assert.rejects(extractEncryptedEntry(join(root, 'ae2.zip'), { password: '', select: mbz, targetDir: dir }), { code: 'zip_wrong_password' })
    assert.deepEqual(await readdir(dir), [])
  })

  it('needs exactly one matching entry, refuses ZipCrypto, unsafe names and non-ZIP files', async () => {
    const cases: Array<[string, Buffer, string]> = [
      ['none.zip', await zipOf([['readme.txt', 'x']]), 'zip_invalid'],
      ['two.zip', await zipOf([['a.mbz', 'x'], ['b/c.MBZ', 'y']]), 'zip_invalid'],
      ['zipcrypto.zip', await zipOf([['a.mbz', 'x', { password: 'pw', zipCrypto: true }]]), 'zip_invalid'],
      ['not-a-zip.zip', Buffer.from('plain text'), 'zip_invalid'],
    ]
    for (const [name, bytes, code] of cases) {
      await writeFile(join(root, name), bytes)
      await assert.rejects(extractEncryptedEntry(join(root, name), { password: 'pw', select: mbz, targetDir: await target() }), { code }, name)
    }
  })

  it('refuses an unsafe entry name as unsafe (zip_unsafe_path, the unzip\'s text), not as an unreadable archive, writing nothing', async () => {
    const cases: Array<[string, string]> = [
      ['../x.mbz', 'relative segment in path'],
      ['a/../x.mbz', 'relative segment in path'],
      ['/x.mbz', 'absolute path'],
      ['C:/x.mbz', 'drive prefix in path'],
      ['a\\x.mbz', 'backslash in path'],
    ]
    for (const [i, [entry, why]] of cases.entries()) {
      const file = join(root, `unsafe-${i}.zip`)
      // The unsafe name on an entry that is not selected is refused too.
      await writeFile(file, buildRawZip([{ name: 'ok.mbz', data: Buffer.from('backup') }, { name: entry, data: Buffer.from('x') }]))
      const dir = await target()
      await assert.rejects(extractEncryptedEntry(file, { password: 'pw', select: mbz, targetDir: dir }), (error: AppError) => {
        assert.equal(error.code, 'zip_unsafe_path', entry)
        assert.equal(error.message, `Invalid zip file: ${why} ${JSON.stringify(entry)}.`)
        return true
      })
      assert.deepEqual(await readdir(dir), [], entry)
      assert.throws(() => checkName(entry), (error: AppError) => error.code === 'zip_unsafe_path' && error.message.includes(why), 'the same check as the unzip')
    }
    assert.ok(!(await readdir(root)).includes('x.mbz'), 'nothing written beside the targets')
  })

  it('accepts an unencrypted entry and ignores __MACOSX', async () => {
    await writeFile(join(root, 'plain.zip'), await zipOf([['__MACOSX/._a.mbz', 'meta'], ['dir/a.mbz', 'plain backup']]))
    const dir = await target()
    const got = await extractEncryptedEntry(join(root, 'plain.zip'), { password: 'whatever', select: mbz, targetDir: dir })
    assert.equal(got.path, join(dir, 'a.mbz'))
    assert.equal(await readFile(got.path, 'utf8'), 'plain backup')
  })
})
