import assert from 'node:assert/strict'
import { chown, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Moodle } from '../moodle.ts'
import { makePhpWritableDir, setPhpRunAs } from './spawn-php.ts'

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0
const NOBODY = 65534

describe('makePhpWritableDir', { skip: asRoot ? false : 'needs root (the service as root, PHP as the dataroot owner)' }, () => {
  let dataroot: string
  let moodle: Moodle
  before(async () => {
    dataroot = await mkdtemp(join(tmpdir(), 'mb-dataroot-'))
    await chown(dataroot, NOBODY, NOBODY)
    moodle = { dataroot, memo: new Map() } as unknown as Moodle
  })
  after(async () => {
    await rm(dataroot, { recursive: true, force: true })
  })

  it('gives every folder it creates to the user PHP runs as (auto: the dataroot owner)', async () => {
    setPhpRunAs(moodle, 'auto')
    const dir = join(dataroot, 'moopanel_course_backups', '.staging', '42')
    await makePhpWritableDir(moodle, dir)
    for (const path of [join(dataroot, 'moopanel_course_backups'), join(dataroot, 'moopanel_course_backups', '.staging'), dir]) {
      const s = await stat(path)
      assert.equal(s.uid, NOBODY, path)
      assert.equal(s.gid, NOBODY, path)
      assert.equal(s.mode & 0o777, 0o750, path)
    }
  })

  it('leaves folders to the service when PHP runs as the service (self)', async () => {
    setPhpRunAs(moodle, 'self')
    const dir = join(dataroot, 'self-owned')
    await makePhpWritableDir(moodle, dir)
    assert.equal((await stat(dir)).uid, 0)
  })

  it('changes nothing that already existed', async () => {
    setPhpRunAs(moodle, { uid: 1234, gid: 1234 })
    await makePhpWritableDir(moodle, join(dataroot, 'moopanel_course_backups', '.staging', '43'))
    assert.equal((await stat(join(dataroot, 'moopanel_course_backups'))).uid, NOBODY)
    assert.equal((await stat(join(dataroot, 'moopanel_course_backups', '.staging', '43'))).uid, 1234)
  })
})
