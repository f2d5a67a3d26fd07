import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { pruneRollbackFolders } from './prune-rollback-folders.ts'

describe('pruneRollbackFolders', () => {
  it('deletes job rollback folders older than the retention and keeps the rest', async () => {
    const staging = await mkdtemp(join(tmpdir(), 'mb-rollback-'))
    const now = Date.now()
    for (const [name, ageDays] of [['11', 10], ['12', 2], ['notajob', 30]] as const) {
      await mkdir(join(staging, 'rollback', name, 'block_xp'), { recursive: true })
      await writeFile(join(staging, 'rollback', name, 'block_xp', 'version.php'), '<?php')
      const t = (now - ageDays * 86_400_000) / 1000
      await utimes(join(staging, 'rollback', name), t, t)
    }
    assert.equal(await pruneRollbackFolders(staging, { retentionDays: 7, nowMs: now }), 1)
    assert.deepEqual((await readdir(join(staging, 'rollback'))).sort(), ['12', 'notajob'])
    assert.equal(await pruneRollbackFolders(join(staging, 'missing'), { retentionDays: 7, nowMs: now }), 0)
  })
})
