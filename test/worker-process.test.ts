/**
 * Workers in a separate process (`bin/moodle-bridge worker`): the API process runs with
 * `job_workers: off`, queues the job, and the worker process claims it from the shared store,
 * does the work and calls MooPanel back.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { startFixtureService, TEST_KEY, type FixtureService } from './support/start-fixture-service.ts'
import { startStandInPanel, type StandInPanel } from './support/stand-in-panel.ts'
import { testEnv } from './support/test-env.ts'

const BIN = resolve(import.meta.dirname, '..', 'bin', 'moodle-bridge')

describe('bin/moodle-bridge worker', () => {
  let panel: StandInPanel
  let api: FixtureService
  let worker: ChildProcess | undefined
  let folder: string

  before(async () => {
    panel = await startStandInPanel({ apiKey: TEST_KEY })
    api = await startFixtureService('pgsql', { moopanel_url: panel.url, job_workers: 'off' })
    const config = await readFile(join(testEnv().moodleDirPg, 'config.php'), 'utf8')
    folder = join(/\$CFG->dataroot\s*=\s*'([^']+)'/.exec(config)![1]!, 'moopanel_course_backups', 'manual')
    await mkdir(folder, { recursive: true })
  })
  after(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker!.once('exit', r))
      worker.kill('SIGTERM')
      await exited
    }
    await api?.close()
    await panel?.stop()
  })

  it('leaves queued jobs alone in an API process with job_workers off; a worker process runs them', async () => {
    const link = `manual/course_9__2026_11_22_09_15_07__w${process.pid}.zip`
    await writeFile(join(folder, link.slice('manual/'.length)), 'zip')
    const res = await api.api('/backups', {
      method: 'DELETE', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: { instance_id: 11, storages: [{ storage_key: 'local', storage_id: 1 }], backups: [{ backup_result_id: 77, storage_id: 1, link }] } }),
    })
    const id = res.json.backups[0].moodle_job_id as number
    await sleep(1000)
    assert.deepEqual((await api.api(`/tasks/check?id=${id}&type=backup_course_delete`)).json, { status: 2, error: '' }, 'nothing ran it yet')
    worker = spawn(process.execPath, [BIN, 'worker', '--moodle-dir', testEnv().moodleDirPg, '--state-url', api.stateUrl], {
      env: { ...process.env, MOODLE_BRIDGE_API_KEY: TEST_KEY, MOODLE_BRIDGE_MOOPANEL_URL: panel.url, MOODLE_BRIDGE_OPS_LISTEN: 'off', MOODLE_BRIDGE_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    for (let i = 0; i < 150 && (await api.api(`/tasks/check?id=${id}&type=backup_course_delete`)).json.status !== 1; i++) await sleep(100)
    assert.deepEqual((await api.api(`/tasks/check?id=${id}&type=backup_course_delete`)).json, { status: 1, error: '' })
    await assert.rejects(stat(join(folder, link.slice('manual/'.length))))
    const sent = panel.requests.find((r) => r.url === '/api/backups/delete/instance/11')
    assert.deepEqual(sent?.json, { status: true, user_id: null, backup_result_id: 77, message: 'Backup deleted successfully.' })
  })
})
