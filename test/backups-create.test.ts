/**
 * POST /backups end to end (moopanel-api.md §4.17, §5.10, §6.2) with the stand-in PHP CLI and a
 * stand-in MooPanel: per-course answers, Moodle's backup script, the AES-256 encrypted archive,
 * the callback with link, password and size, auto-mode change detection and failures.
 */
import assert from 'node:assert/strict'
import { readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { BlobReader, TextWriter, ZipReader } from '@zip.js/zip.js'
import { startFixtureService, TEST_KEY, type FixtureService } from './support/start-fixture-service.ts'
import { startStandInPanel, type StandInPanel } from './support/stand-in-panel.ts'
import { testEnv } from './support/test-env.ts'

const PHP = resolve(import.meta.dirname, 'support', 'fake-php', 'php')

describe('POST /backups', () => {
  let panel: StandInPanel
  let s: FixtureService
  let dataroot: string

  before(async () => {
    panel = await startStandInPanel({ apiKey: TEST_KEY })
    s = await startFixtureService('pgsql', { moopanel_url: panel.url, php_binary: PHP })
    const config = await readFile(join(testEnv().moodleDirPg, 'config.php'), 'utf8')
    dataroot = /\$CFG->dataroot\s*=\s*'([^']+)'/.exec(config)![1]!
  })
  after(async () => {
    await s?.close()
    await panel?.stop()
  })

  const post = (data: unknown) => s.api('/backups', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data }) })
  const finished = async (id: number) => {
    for (let i = 0; i < 150; i++) {
      const st = (await s.api(`/tasks/check?id=${id}&type=backup_course`)).json
      if (st.status !== 2) return st
      await sleep(100)
    }
    assert.fail(`job ${id} did not finish`)
  }
  const callbackFor = (course: number) => panel.requests.filter((r) => r.url === '/api/backups/courses/7' && (r.json as { courseid?: number })?.courseid === course)

  it('backs up a course into an AES-256 encrypted zip and calls MooPanel back with link, password and size', async () => {
    const res = await post({ instance_id: 7, mode: 'manual', storage: 'local', credentials: [], courses: [5, 99999, '5'] })
    assert.equal(res.status, 200, res.body)
    assert.deepEqual(res.json.errors, [{ id: 99999, status: 404, message: 'Course not exist.' }])
    assert.equal(res.json.backups.length, 1)
    const [item] = res.json.backups
    assert.deepEqual({ ...item, moodle_job_id: 0 }, { id: 5, status: 200, moodle_job_id: 0, message: 'Backup will be created.' })
    assert.deepEqual(await finished(item.moodle_job_id), { status: 1, error: '' })
    const [callback] = callbackFor(5)
    const body = callback!.json as { status: boolean; courseid: number; link: string; password: string; filesize: number; message: null }
    assert.equal(body.status, true)
    assert.match(body.link, new RegExp(`^manual/course_5__\\d{4}_\\d{2}_\\d{2}_\\d{2}_\\d{2}_\\d{2}__${item.moodle_job_id}\\.zip$`))
    assert.match(body.password, /^[A-Za-z0-9_-]{22}$/)
    assert.equal(body.message, null)
    const file = join(dataroot, 'moopanel_course_backups', body.link)
    assert.equal(body.filesize, (await stat(file)).size)
    const bytes = await readFile(file)
    const aes = bytes.indexOf(Buffer.from([0x01, 0x99, 0x07, 0x00]))
    assert.ok(aes > 0, 'WinZip AES extra field')
    assert.deepEqual([bytes.readUInt16LE(aes + 4), bytes.toString('latin1', aes + 6, aes + 8), bytes[aes + 8]], [2, 'AE', 3], 'AE-2, AES-256')
    const zip = new ZipReader(new BlobReader(new Blob([bytes])))
    const [entry] = await zip.getEntries()
    assert.ok(entry && !entry.directory)
    assert.equal(entry.filename, body.link.slice('manual/'.length).replace(/\.zip$/, '.mbz'))
    assert.equal(await entry.getData(new TextWriter(), { password: body.password }), 'fake mbz for course 5')
    await zip.close()
    assert.deepEqual((await s.api('/backups')).json, { backups_in_progress: [] })
  })

  it('skips a course unchanged since its last auto backup (204); a manual backup is never skipped', async () => {
    const first = await post({ instance_id: 7, courses: [6] })
    assert.deepEqual(await finished(first.json.backups[0].moodle_job_id), { status: 1, error: '' })
    const again = await post({ instance_id: 7, mode: 'auto', courses: [6] })
    assert.deepEqual(again.json, { backups: [], errors: [{ id: 6, status: 204, message: 'Course not need backup.' }] })
    const manual = await post({ instance_id: 7, mode: 'manual', courses: [6] })
    assert.equal(manual.json.backups.length, 1, 'manual backups are never skipped')
    await finished(manual.json.backups[0].moodle_job_id)
  })

  it('reports a failed backup with placeholders and the reason, and /tasks/check 3', async () => {
    await writeFile(join(dataroot, 'fake-backup-fail-7'), '')
    try {
      const res = await post({ instance_id: 7, mode: 'manual', courses: [7] })
      assert.deepEqual(await finished(res.json.backups[0].moodle_job_id), { status: 3, error: 'Problem while creating backup.' })
      assert.deepEqual(callbackFor(7)[0]!.json, { status: false, courseid: 7, link: '-', password: '-', filesize: null, message: 'Problem while creating backup.' })
    } finally {
      await rm(join(dataroot, 'fake-backup-fail-7'), { force: true })
    }
  })

  it('validates the request in the documented order', async () => {
    const cases: Array<[unknown, string]> = [
      [{ courses: [5] }, 'Bad Request - Please provide a valid instance ID.'],
      [{ instance_id: 7, mode: '../x', courses: [5] }, 'Bad Request - Please provide a valid backup mode.'],
      [{ instance_id: 7, storage: 's3', courses: [5] }, 'Currently support only local storage.'],
      [{ instance_id: 7 }, 'Bad Request - Please provide Moodle course ids.'],
      [{ instance_id: 7, courses: [] }, 'Bad Request - Please provide Moodle course ids.'],
      [{ instance_id: 7, courses: [5, 'x'] }, 'Bad Request - Please provide Moodle course ids.'],
    ]
    for (const [data, message] of cases) assert.deepEqual((await post(data)).json, { error: message }, JSON.stringify(data))
  })
})
