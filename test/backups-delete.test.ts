/**
 * DELETE /backups end to end (moopanel-api.md §4.19, §5.3, §5.12, §6.4): acceptance with per-item
 * answers, a `backup_course_delete` job per file, its callback to a stand-in MooPanel, and
 * `/tasks/check` turning 1 only once the callback was accepted; identical requests replayed.
 */
import assert from 'node:assert/strict'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { startFixtureService, TEST_KEY, type FixtureService } from './support/start-fixture-service.ts'
import { startStandInPanel, type StandInPanel } from './support/stand-in-panel.ts'
import { testEnv } from './support/test-env.ts'

async function datarootOf(): Promise<string> {
  const config = await readFile(join(testEnv().moodleDirPg, 'config.php'), 'utf8')
  return /\$CFG->dataroot\s*=\s*'([^']+)'/.exec(config)![1]!
}

describe('DELETE /backups', () => {
  let panel: StandInPanel
  let s: FixtureService
  let folder: string
  const tag = `${process.pid}_${Date.now()}`
  const link = (n: number) => `auto/course_${n}__2026_11_01_09_15_07__${tag}.zip`

  before(async () => {
    panel = await startStandInPanel({ apiKey: TEST_KEY })
    s = await startFixtureService('pgsql', { moopanel_url: panel.url })
    folder = join(await datarootOf(), 'moopanel_course_backups')
    await mkdir(join(folder, 'auto'), { recursive: true })
  })
  after(async () => {
    await s?.close()
    await panel?.stop()
  })

  const del = (data: unknown) =>
    s.api('/backups', { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data }) })
  const status = async (id: number) => (await s.api(`/tasks/check?id=${id}&type=backup_course_delete`)).json
  const eventually = async (check: () => Promise<boolean>, what: string, ms = 15_000) => {
    for (const until = Date.now() + ms; Date.now() < until; await sleep(100)) if (await check()) return
    assert.fail(`not within ${ms} ms: ${what}`)
  }

  it('answers per item, deletes the file, calls MooPanel back, and reports 1 only after the callback', async () => {
    await writeFile(join(folder, link(1)), 'zip')
    const body = {
      instance_id: 7,
      user_id: null,
      storages: [{ storage_key: 'local', storage_id: 4, credentials: [] }],
      backups: {
        '1': { backup_result_id: 90, storage_id: 4, link: link(1) },
        '2': { backup_result_id: 91, storage_id: 9, link: link(2) },
        '3': { backup_result_id: 92, storage_id: 4, link: '../../config.php' },
      },
    }
    panel.script((r) => (r.route !== null ? { status: 503, headers: { 'retry-after': '1' } } : undefined))
    const res = await del(body)
    assert.equal(res.status, 200, res.body)
    const [first, ...rest] = res.json.backups
    assert.deepEqual(rest, [
      { backup_result_id: 91, status: false, message: 'No storage data found.', moodle_job_id: null },
      { backup_result_id: 92, status: false, message: 'Invalid backup link.', moodle_job_id: null },
    ])
    assert.equal(first.status, true)
    assert.equal(first.message, 'Backup will be deleted.')
    assert.ok(Number.isInteger(first.moodle_job_id))
    const id = first.moodle_job_id as number

    // The file goes, but while MooPanel answers 503 the job stays in reporting: status 2.
    await eventually(async () => !(await stat(join(folder, link(1))).then(() => true, () => false)), 'file deleted')
    await eventually(async () => panel.requests.some((r) => r.status === 503), 'a first callback attempt')
    assert.deepEqual(await status(id), { status: 2, error: '' })

    // The same request again, before the callback was accepted: the same answer, replayed.
    const again = await del(body)
    assert.equal(again.status, 200)
    assert.equal(again.headers['x-idempotent-replay'], 'true')
    assert.equal(again.body, res.body)

    // MooPanel recovers: the callback is accepted, the job is done.
    panel.script(null)
    await eventually(async () => (await status(id)).status === 1, 'status 1', 20_000)
    const accepted = panel.requests.filter((r) => r.status === 200)
    assert.equal(accepted.length, 1, 'one accepted callback, never re-sent')
    assert.equal(accepted[0]!.url, '/api/backups/delete/instance/7')
    assert.deepEqual(accepted[0]!.json, { status: true, user_id: null, backup_result_id: 90, message: 'Backup deleted successfully.' })
    assert.equal(accepted[0]!.headers['x-api-key'], TEST_KEY)
  })

  it('treats a file that is already gone as deleted (idempotent deletion)', async () => {
    const res = await del({ instance_id: 8, user_id: 3, storages: [{ storage_key: 'local', storage_id: 1 }], backups: [{ backup_result_id: 5, storage_id: 1, link: link(3) }] })
    const id = res.json.backups[0].moodle_job_id as number
    await eventually(async () => (await status(id)).status === 1, 'status 1')
    const sent = panel.requests.find((r) => r.url === '/api/backups/delete/instance/8')
    assert.deepEqual(sent?.json, { status: true, user_id: 3, backup_result_id: 5, message: 'Backup file does not exist.' })
  })

  it('validates the request in the documented order', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'Bad Request - Please provide valid instance ID.'],
      [{ instance_id: 'x' }, 'Bad Request - Please provide valid instance ID.'],
      [{ instance_id: 7 }, 'Bad Request - Please provide storages.'],
      [{ instance_id: 7, storages: [] }, 'Bad Request - Please provide storages.'],
      [{ instance_id: 7, storages: [{ storage_key: 'local', storage_id: 1 }] }, 'Bad Request - Please provide backups to delete.'],
      [{ instance_id: 7, storages: [{ storage_key: 'local' }], backups: [{}] }, "Bad Request - Invalid field 'storages.0.storage_id'."],
      [{ instance_id: 7, storages: [{ storage_key: 'local', storage_id: 1 }], backups: [{ storage_id: 1, link: 'a.zip' }] }, "Bad Request - Invalid field 'backups.0.backup_result_id'."],
      [{ instance_id: 7, storages: [{ storage_key: 'local', storage_id: 1 }], backups: { '4': { backup_result_id: 1, storage_id: 1 } } }, "Bad Request - Invalid field 'backups.4.link'."],
      [{ instance_id: 7, user_id: 'me', storages: [{ storage_key: 'local', storage_id: 1 }], backups: [{ backup_result_id: 1, storage_id: 1, link: 'a.zip' }] }, "Bad Request - Invalid field 'user_id'."],
    ]
    for (const [data, error] of cases) {
      const res = await del(data)
      assert.equal(res.status, 400, JSON.stringify(data))
      assert.deepEqual(res.json, { error }, JSON.stringify(data))
    }
  })

  it('answers "Currently support only local storage." for other storages, and creates no job then', async () => {
    const res = await del({ instance_id: 7, storages: { '2': { storage_key: 's3', storage_id: 2 } }, backups: [{ backup_result_id: 1, storage_id: 2, link: 'a.zip' }] })
    assert.deepEqual(res.json, { backups: [{ backup_result_id: 1, status: false, message: 'Currently support only local storage.', moodle_job_id: null }] })
    assert.equal(res.headers['x-idempotent-replay'], undefined)
  })
})
