/**
 * PUT /backups end to end (moopanel-api.md §4.18, §5.11, §6.3) with the stand-in PHP CLI and a
 * stand-in MooPanel: an archive made by POST /backups restored into its course, the password kept
 * sealed in the job row and erased afterwards, every failure of §5.11, and the validation order.
 */
import assert from 'node:assert/strict'
import { chmod, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { parseConfig } from '../src/config/index.ts'
import { findJob } from '../src/jobs/index.ts'
import { openJobSecret } from '../src/moopanel/jobs/job-secrets.ts'
import { createService, type Service } from '../src/service.ts'
import { buildTestMoodleDir } from './support/build-test-moodle-dir.ts'
import { startStandInPanel, type StandInPanel } from './support/stand-in-panel.ts'
import { createScratchPgDatabase, TEST_KEY } from './support/start-fixture-service.ts'
import { createPgCopy, testEnv, type DbCopy } from './support/test-env.ts'

const FAKE_PHP = resolve(import.meta.dirname, 'support', 'fake-php', 'php')

/**
 * A PHP CLI for this suite: the stand-in, except that Moodle's backup.php leaves a real .mbz (a
 * gzip-compressed tar with a manifest naming the course) where the stand-in writes a text file.
 */
const PHP_WRAPPER = `#!/usr/bin/env node
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { basename } from 'node:path'
import { gzipSync } from 'node:zlib'
const args = process.argv.slice(2)
const run = spawnSync(${JSON.stringify(FAKE_PHP)}, args, { stdio: ['ignore', 'pipe', 'pipe'] })
process.stderr.write(run.stderr)
const out = run.stdout.toString()
const file = basename(args[0] ?? '') === 'backup.php' ? /^Writing (.*)$/m.exec(out)?.[1] : undefined
if (file) {
  const course = /--courseid=(\\d+)/.exec(args.join(' '))[1]
  const manifest = '<?xml version="1.0" encoding="UTF-8"?>\\n<moodle_backup>\\n  <information>\\n    <original_course_id>' + course +
    '</original_course_id>\\n    <details>\\n      <detail backup_id="f00">\\n        <type>course</type>\\n        <format>moodle2</format>\\n      </detail>\\n    </details>\\n  </information>\\n</moodle_backup>\\n'
  writeFileSync(file, gzipSync(tar([['moodle_backup.xml', manifest], ['course/course.xml', '<course id="' + course + '"/>']])))
}
process.stdout.write(out)
process.exitCode = run.status ?? 1
function tar(files) {
  const blocks = []
  for (const [name, text] of files) {
    const body = Buffer.from(text)
    const h = Buffer.alloc(512)
    h.write(name, 0); h.write('0000644\\0', 100); h.write('0000000\\0', 108); h.write('0000000\\0', 116)
    h.write(body.length.toString(8).padStart(11, '0') + '\\0', 124); h.write('00000000000\\0', 136)
    h.write('        ', 148); h.write('0', 156); h.write('ustar\\0', 257); h.write('00', 263)
    let sum = 0
    for (const b of h) sum += b
    h.write(sum.toString(8).padStart(6, '0') + '\\0 ', 148)
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512))
  }
  return Buffer.concat([...blocks, Buffer.alloc(1024)])
}
`

describe('PUT /backups', () => {
  let panel: StandInPanel
  let copy: DbCopy
  let state: { url: string; drop: () => Promise<void> }
  let service: Service
  let dataroot: string
  let backup: { link: string; password: string }

  const api = async (method: string, path: string, data?: unknown) => {
    const res = await service.app.inject({
      method: method as 'GET', url: `/local/moopanel/server.php${path}`,
      headers: { 'x-api-key': TEST_KEY, ...(data === undefined ? {} : { 'content-type': 'application/json' }) },
      payload: data === undefined ? undefined : JSON.stringify({ data }),
    })
    return { status: res.statusCode, headers: res.headers, json: res.json() }
  }
  const put = (data: unknown) => api('PUT', '/backups', data)
  const finished = async (id: number, type: string) => {
    for (let i = 0; i < 300; i++) {
      const st = (await api('GET', `/tasks/check?id=${id}&type=${type}`)).json
      if (st.status !== 2) return st
      await sleep(100)
    }
    assert.fail(`job ${id} did not finish`)
  }
  const restoreCallbacks = () => panel.requests.filter((r) => r.route === '6.3')
  const callbackOf = (courseid: number, backupResultId: number) =>
    restoreCallbacks().filter((r) => (r.json as { courseid: number; backup_result_id: number }).courseid === courseid && (r.json as { backup_result_id: number }).backup_result_id === backupResultId)
  const courseTimemodified = async (id: number) => {
    const client = new pg.Client({ connectionString: copy.url })
    await client.connect()
    try {
      return Number((await client.query('SELECT timemodified FROM mdl_course WHERE id = $1', [id])).rows[0].timemodified)
    } finally {
      await client.end()
    }
  }

  before(async () => {
    panel = await startStandInPanel({ apiKey: TEST_KEY })
    copy = await createPgCopy('restore')
    const url = new URL(copy.url)
    const root = join(testEnv().tmpDir, `moodle-restore-${process.pid}`)
    const site = await buildTestMoodleDir({
      target: root, dbtype: 'pgsql', wwwroot: 'http://127.0.0.1:8081',
      db: { host: url.hostname, port: Number(url.port), name: copy.name, user: 'postgres', pass: '' },
    })
    dataroot = site.dataroot
    const php = join(testEnv().tmpDir, `php-restore-${process.pid}.mjs`)
    await writeFile(php, PHP_WRAPPER)
    await chmod(php, 0o755)
    state = await createScratchPgDatabase(`mb_state_restore_${process.pid}`)
    service = await createService(
      parseConfig({ moodle_dir: site.dir, api_key: TEST_KEY, state_url: state.url, log_level: 'silent', php_binary: php, moopanel_url: panel.url, update_check: 'off' }),
    )
    // A real archive of course 5, made by the backup flow.
    const made = await api('POST', '/backups', { instance_id: 7, mode: 'manual', courses: [5] })
    assert.equal((await finished(made.json.backups[0].moodle_job_id, 'backup_course')).status, 1)
    const body = panel.requests.find((r) => r.route === '6.2')!.json as { link: string; password: string }
    backup = { link: body.link, password: body.password }
  })
  after(async () => {
    await service?.close()
    await state?.drop()
    await copy?.drop()
    await panel?.stop()
  })

  it('restores an archive made by POST /backups into its course; /tasks/check stays 2 until the callback is settled', async () => {
    const before = await courseTimemodified(5)
    let refused = 0
    panel.script((r) => (r.route === '6.3' && refused++ === 0 ? { status: 503, body: { message: 'busy' } } : undefined))
    try {
      const res = await put({ moodle_course_id: 5, link: backup.link, instance_id: 7, storage: 'local', credentials: [], password: backup.password, user_id: 3, backup_result_id: 11 })
      assert.equal(res.status, 200, JSON.stringify(res.json))
      const id = res.json.moodle_job_id
      assert.deepEqual(res.json, { status: true, message: 'Course backup will be restored.', moodle_job_id: id })
      assert.ok(Number.isInteger(id))

      const row = (await findJob(service.store, id))!
      assert.ok(!row.payload.includes(backup.password), 'the job row holds the password sealed only')
      const sealed = (JSON.parse(row.payload) as { password: string }).password

      for (let i = 0; i < 100 && refused === 0; i++) await sleep(100)
      assert.equal(refused, 1, 'the first callback attempt was refused')
      assert.equal((await findJob(service.store, id))!.state, 'reporting')
      assert.deepEqual((await api('GET', `/tasks/check?id=${id}&type=backup_course_restore`)).json, { status: 2, error: '' })

      assert.deepEqual(await finished(id, 'backup_course_restore'), { status: 1, error: '' })
      const calls = callbackOf(5, 11)
      assert.equal(calls.length, 2, 'one refused attempt, one accepted')
      assert.equal(calls[1]!.url, '/api/backups/restore/instance/7')
      assert.deepEqual(calls[1]!.json, { status: true, user_id: 3, backup_result_id: 11, courseid: 5, message: 'Backup restored.' })
      assert.equal(calls[0]!.body, calls[1]!.body, 'the same body on every attempt')
      assert.ok((await courseTimemodified(5)) > before, 'the helper restored into course 5')
      assert.equal(await openJobSecret(service.store, sealed), null, 'the password can no longer be opened')
      assert.deepEqual(await readdir(join(dataroot, 'moopanel_course_backups', '.staging')).then((d) => d.filter((n) => n === String(id))), [])
    } finally {
      panel.script(null)
    }
  })

  it('reports a wrong password (and an empty one) with status 3', async () => {
    for (const [password, resultId] of [['wrong', 21], [undefined, 22]] as const) {
      const res = await put({ moodle_course_id: 5, link: backup.link, instance_id: 7, password, backup_result_id: resultId })
      assert.deepEqual(await finished(res.json.moodle_job_id, 'backup_course_restore'), { status: 3, error: 'Password incorrect.' })
      assert.deepEqual(callbackOf(5, resultId)[0]!.json, { status: false, user_id: null, backup_result_id: resultId, courseid: 5, message: 'Password incorrect.' })
    }
  })

  it('refuses a backup of another course', async () => {
    const res = await put({ moodle_course_id: 6, link: backup.link, instance_id: 7, password: backup.password, backup_result_id: 31 })
    assert.deepEqual(await finished(res.json.moodle_job_id, 'backup_course_restore'), { status: 3, error: 'Backup belongs to another course.' })
    assert.equal((callbackOf(6, 31)[0]!.json as { message: string }).message, 'Backup belongs to another course.')
  })

  it('reports a file that is not there', async () => {
    const res = await put({ moodle_course_id: 5, link: 'manual/course_5__2026_01_01_00_00_00__999.zip', instance_id: 7, password: 'x', backup_result_id: 41 })
    assert.equal(res.status, 200, 'existence is the job’s business')
    assert.deepEqual(await finished(res.json.moodle_job_id, 'backup_course_restore'), { status: 3, error: 'Backup file not found.' })
  })

  it('reports an archive without a backup in it', async () => {
    await writeFile(join(dataroot, 'moopanel_course_backups', 'manual', 'not-a-zip.zip'), 'plain text')
    const res = await put({ moodle_course_id: 5, link: 'manual/not-a-zip.zip', instance_id: 7, password: 'x', backup_result_id: 51 })
    assert.deepEqual(await finished(res.json.moodle_job_id, 'backup_course_restore'), { status: 3, error: 'Invalid backup archive.' })
  })

  it('reports a failed restore helper: a pre-check error, and a Moodle that died', async () => {
    for (const [marker, resultId, message] of [
      ['fake-restore-fail-5', 61, 'Backup not restored.: pre-check failed'],
      ['fake-restore-crash-5', 62, 'Backup not restored.'],
    ] as const) {
      await writeFile(join(dataroot, marker), '')
      try {
        const res = await put({ moodle_course_id: 5, link: backup.link, instance_id: 7, password: backup.password, backup_result_id: resultId })
        assert.deepEqual(await finished(res.json.moodle_job_id, 'backup_course_restore'), { status: 3, error: message })
        assert.deepEqual(callbackOf(5, resultId)[0]!.json, { status: false, user_id: null, backup_result_id: resultId, courseid: 5, message })
      } finally {
        await rm(join(dataroot, marker), { force: true })
      }
    }
  })

  it('refuses links that leave the backup folder, through .. or a symbolic link', async () => {
    const outside = join(testEnv().tmpDir, `outside-${process.pid}.zip`)
    await writeFile(outside, 'secret')
    await mkdir(join(dataroot, 'moopanel_course_backups', 'manual'), { recursive: true })
    await symlink(outside, join(dataroot, 'moopanel_course_backups', 'manual', 'evil.zip'))
    await symlink(testEnv().tmpDir, join(dataroot, 'moopanel_course_backups', 'elsewhere'))
    for (const link of ['../outside.zip', 'manual/../../x.zip', '/etc/x.zip', 'manual/evil.zip', `elsewhere/outside-${process.pid}.zip`, 'manual/.hidden.zip', 'manual/x.mbz']) {
      const res = await put({ moodle_course_id: 5, link, instance_id: 7, password: 'x' })
      assert.deepEqual([res.status, res.json], [400, { error: 'Bad Request - Please provide valid backup link.' }], link)
    }
  })

  it('validates the request in the documented order', async () => {
    const ok = { moodle_course_id: 5, link: backup.link, instance_id: 7 }
    const cases: Array<[unknown, string]> = [
      [{ link: backup.link, instance_id: 7 }, 'Bad Request - Please provide valid Moodle course id.'],
      [{ ...ok, moodle_course_id: 'five', link: 42 }, 'Bad Request - Please provide valid Moodle course id.'],
      [{ ...ok, moodle_course_id: 999999, link: 42 }, 'Course not exist in Moodle.'],
      [{ ...ok, moodle_course_id: 1 }, 'Course not exist in Moodle.'],
      [{ ...ok, link: undefined, instance_id: 'x' }, 'Bad Request - Please provide valid backup link.'],
      [{ ...ok, instance_id: 0, storage: 's3' }, 'Bad Request - Please provide valid instance id.'],
      [{ ...ok, storage: 's3', password: 5 }, 'Currently support only local storage.'],
      [{ ...ok, password: 5 }, "Bad Request - Invalid field 'password'."],
      [{ ...ok, user_id: 'me' }, "Bad Request - Invalid field 'user_id'."],
      [{ ...ok, backup_result_id: -1 }, "Bad Request - Invalid field 'backup_result_id'."],
    ]
    for (const [data, message] of cases) {
      const res = await put(data)
      assert.deepEqual([res.status, res.json], [400, { error: message }], JSON.stringify(data))
    }
  })

  it('answers a repeated request with the same job', async () => {
    const data = { moodle_course_id: 5, link: 'manual/course_5__2026_01_01_00_00_00__998.zip', instance_id: 7, password: 'p', backup_result_id: 71 }
    const first = await put(data)
    const again = await put(data)
    assert.equal(again.json.moodle_job_id, first.json.moodle_job_id)
    assert.equal(again.headers['x-idempotent-replay'], 'true')
    await finished(first.json.moodle_job_id, 'backup_course_restore')
  })
})
