import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { moopanelJobRegistry, type MoopanelJobDeps } from './index.ts'
import { JOB_NAMES, PUBLIC_JOB_NAMES } from './job-names.ts'
import { createAdminPresetRequest } from './create-admin-preset.ts'
import { createBackupRequest } from './create-backup.ts'
import { deleteBackupRequest } from './delete-backup.ts'
import { installZipRequest } from './install-zip-plugins.ts'
import { restoreBackupRequest } from './restore-backup.ts'
import { uninstallRequest } from './uninstall-plugin.ts'
import { updateCoreRequest } from './update-core.ts'
import { updatePluginsRequest } from './update-plugins.ts'

// Building the registry only binds the work to its dependencies: nothing reads them yet.
const registry = moopanelJobRegistry({} as MoopanelJobDeps)

describe('job names', () => {
  it('has a definition in the service registry for every name of job-names.ts, and a name there for every definition', () => {
    assert.deepEqual(registry.names().sort(), Object.values(JOB_NAMES).sort())
  })

  it('shows /tasks/check only names that have a definition', () => {
    for (const name of PUBLIC_JOB_NAMES) assert.ok(registry.get(name), name)
  })

  it('enqueues through the request helpers with the settings of the definition that runs the job', () => {
    const requests = [
      createAdminPresetRequest({ instanceId: 1 }),
      createBackupRequest({ course_id: 7, instance_id: 1, mode: 'manual' }),
      deleteBackupRequest({ instanceId: 1, userId: null, backupResultId: 2, link: 'manual/course_7__2026_01_01_00_00_00__3.zip' }),
      installZipRequest({ instanceId: 1, userId: null, username: null, urls: [] }),
      restoreBackupRequest({ instanceId: 1, courseId: 7, link: 'manual/x.zip', userId: null, backupResultId: null, password: 'sealed' }),
      uninstallRequest({ component: 'mod_x', dir: null }),
      updateCoreRequest({ instanceId: 1, updateId: 1, userId: null, version: '2024100700', download: 'https://download.moodle.org/x.zip', md5: null }),
      updatePluginsRequest({ instanceId: 1, userId: null, username: null, updates: [] }),
    ]
    for (const job of requests) {
      const definition = registry.get(job.type)
      assert.ok(definition, job.type)
      assert.equal(job.moodleChanging, definition.moodleChanging, job.type)
      assert.equal(job.sharedLock === true, definition.lockMode === 'shared', job.type)
      assert.equal(job.maxAttempts, definition.maxAttempts, job.type)
    }
  })

  it('derives the serial key of backups, restores and deletions from the course they concern', () => {
    assert.equal(createBackupRequest({ course_id: 7, instance_id: 1, mode: 'auto' }).serialKey, 'course:7')
    assert.equal(restoreBackupRequest({ instanceId: 1, courseId: 7, link: 'x', userId: null, backupResultId: null, password: 'p' }).serialKey, 'course:7')
    assert.equal(deleteBackupRequest({ instanceId: 1, userId: null, backupResultId: 2, link: 'auto/course_7__2026_01_01_00_00_00__3.zip' }).serialKey, 'course:7')
    assert.equal(updateCoreRequest({ instanceId: 1, updateId: 1, userId: null, version: '1', download: 'x', md5: null }).serialKey, undefined)
  })
})
