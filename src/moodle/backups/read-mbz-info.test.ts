import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { BlobWriter, TextReader, ZipWriter } from '@zip.js/zip.js'
import { create } from 'tar'
import { buildRawZip } from '../../packages/test-zip.ts'
import { parseManifest, readMbzInfo } from './read-mbz-info.ts'

/** The head of a manifest as Moodle 4.5 writes it (moodle.md §12.2), trimmed. */
function manifest(courseId: number | string, type = 'course'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<moodle_backup>
  <information>
    <name>backup-moodle2-course-${courseId}-x-20261122-0915.mbz</name>
    <moodle_version>2024100706</moodle_version>
    <original_wwwroot>http://127.0.0.1:8081</original_wwwroot>
    <original_course_id>${courseId}</original_course_id>
    <original_course_fullname>Course &amp; more</original_course_fullname>
    <details>
      <detail backup_id="0123456789abcdef0123456789abcdef">
        <type>${type}</type>
        <format>moodle2</format>
        <interactive>1</interactive>
      </detail>
    </details>
    <contents>
      <course>
        <courseid>${courseId}</courseid>
      </course>
    </contents>
  </information>
</moodle_backup>`
}

describe('readMbzInfo', () => {
  let root: string
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'mb-mbz-'))
  })
  after(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('reads the manifest of a gzip-compressed tar .mbz (Moodle’s default)', async () => {
    const dir = join(root, 'tree')
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'course'), { recursive: true }))
    await writeFile(join(dir, 'course', 'course.xml'), '<course/>')
    await writeFile(join(dir, 'moodle_backup.xml'), manifest(12))
    await create({ gzip: true, file: join(root, 'tar.mbz'), cwd: dir }, ['course', 'moodle_backup.xml'])
    assert.deepEqual(await readMbzInfo(join(root, 'tar.mbz')), { type: 'course', originalCourseId: 12, format: 'moodle2' })
  })

  it('reads the manifest of a ZIP .mbz ($CFG->usezipbackups)', async () => {
    const writer = new ZipWriter(new BlobWriter('application/zip'), { useWebWorkers: false })
    await writer.add('files.xml', new TextReader('<files/>'))
    await writer.add('moodle_backup.xml', new TextReader(manifest(7, 'activity')))
    await writeFile(join(root, 'zip.mbz'), Buffer.from(await (await writer.close()).arrayBuffer()))
    assert.deepEqual(await readMbzInfo(join(root, 'zip.mbz')), { type: 'activity', originalCourseId: 7, format: 'moodle2' })
  })

  it('reads a ZIP manifest only as far as <information> and skips entries that cannot be it', async () => {
    const long = manifest(9).replace('</moodle_backup>', `<settings>${'<setting/>'.repeat(200_000)} broken <<`)
    const zip = buildRawZip([
      { name: 'moodle_backup.xml/', data: Buffer.alloc(0) },
      { name: 'course/moodle_backup.xml', data: Buffer.from(manifest(1)) },
      { name: 'moodle_backup.xml', data: Buffer.from(manifest(2)), declaredSize: 65 * 1024 * 1024 },
      { name: 'moodle_backup.xml', data: Buffer.from(long) },
    ])
    await writeFile(join(root, 'long.mbz'), zip)
    assert.deepEqual(await readMbzInfo(join(root, 'long.mbz')), { type: 'course', originalCourseId: 9, format: 'moodle2' })
  })

  it('answers null for a ZIP without manifest, a manifest whose size lies, a truncated or encrypted ZIP', async () => {
    const cases: [string, Buffer][] = [
      ['none', buildRawZip([{ name: 'files.xml', data: Buffer.from('<files/>') }])],
      ['larger', buildRawZip([{ name: 'moodle_backup.xml', data: Buffer.from(manifest(3).slice(0, 200)), declaredSize: 100 }])],
      ['smaller', buildRawZip([{ name: 'moodle_backup.xml', data: Buffer.from(manifest(3).slice(0, 200)), declaredSize: 300 }])],
      ['truncated', buildRawZip([{ name: 'moodle_backup.xml', data: Buffer.from(manifest(3)) }]).subarray(0, 100)],
    ]
    const writer = new ZipWriter(new BlobWriter('application/zip'), { useWebWorkers: false })
    await writer.add('moodle_backup.xml', new TextReader(manifest(4)), { password: 'secret-password', encryptionStrength: 3 })
    cases.push(['encrypted', Buffer.from(await (await writer.close()).arrayBuffer())])
    for (const [name, bytes] of cases) {
      await writeFile(join(root, `${name}.mbz`), bytes)
      assert.equal(await readMbzInfo(join(root, `${name}.mbz`)), null, name)
    }
  })

  it('answers null for files that are no backup', async () => {
    await writeFile(join(root, 'text.mbz'), 'fake mbz for course 5')
    assert.equal(await readMbzInfo(join(root, 'text.mbz')), null)
    const dir = join(root, 'empty-tree')
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }))
    await writeFile(join(dir, 'other.xml'), '<x/>')
    await create({ gzip: true, file: join(root, 'nomanifest.mbz'), cwd: dir }, ['other.xml'])
    assert.equal(await readMbzInfo(join(root, 'nomanifest.mbz')), null)
  })

  it('treats a missing or null course id as unknown', () => {
    assert.deepEqual(parseManifest(manifest('$@NULL@$')), { type: 'course', originalCourseId: null, format: 'moodle2' })
    assert.equal(parseManifest('<moodle_backup/>'), null)
  })

  it('reads the manifest as XML: entities and CDATA decoded, the first detail only, nested names not confused', () => {
    const xml = manifest('7', '<![CDATA[course]]>').replace('<format>moodle2</format>', '<format>moodle&#50;</format>')
      .replace('</details>', '<detail backup_id="x"><type>activity</type></detail></details>')
      .replace('<contents>', '<contents><activity><type>quiz</type><original_course_id>99</original_course_id></activity>')
    assert.deepEqual(parseManifest(xml), { type: 'course', originalCourseId: 7, format: 'moodle2' })
  })

  it('stops at the end of <information>: what follows is never parsed; a manifest broken before it is no backup', () => {
    const tail = manifest(12).replace('</moodle_backup>', '<settings><setting>unclosed & broken <<</moodle_backup>')
    assert.deepEqual(parseManifest(tail), { type: 'course', originalCourseId: 12, format: 'moodle2' })
    assert.equal(parseManifest(manifest(12).replace('<details>', '<details><oops a="1>')), null)
    assert.equal(parseManifest(manifest(12).slice(0, 300)), null)
  })

  it('decodes UTF-8 split across chunks', async () => {
    const { ManifestReader } = await import('./manifest-reader.ts')
    const bytes = Buffer.from(manifest(3, 'cóurse'))
    const reader = new ManifestReader()
    for (let i = 0; i < bytes.length; i += 7) reader.write(bytes.subarray(i, i + 7))
    assert.deepEqual(reader.result(), { type: 'cóurse', originalCourseId: 3, format: 'moodle2' })
  })
})
