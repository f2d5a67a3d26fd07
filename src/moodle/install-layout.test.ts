import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { recoverInterruptedCoreSwap } from './code/recover-core-swap.ts'
import { codeDirOf, detectInstallLayout, installRootOf } from './install-layout.ts'

describe('install layout', () => {
  let base: string
  const touch = async (path: string) => {
    await mkdir(join(path, '..'), { recursive: true })
    await writeFile(path, '<?php\n')
  }
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'mb-layout-'))
    // Classic: config.php and version.php in one folder.
    await touch(join(base, 'classic', 'config.php'))
    await touch(join(base, 'classic', 'version.php'))
    // 5.1+: config.php in the root, the code (with its own loader config.php) in public/.
    await touch(join(base, 'modern', 'config.php'))
    await touch(join(base, 'modern', 'public', 'config.php'))
    await touch(join(base, 'modern', 'public', 'version.php'))
    // A classic root that happens to be named public.
    await touch(join(base, 'lonely', 'public', 'config.php'))
    await touch(join(base, 'lonely', 'public', 'version.php'))
  })
  after(async () => {
    await rm(base, { recursive: true, force: true })
  })

  it('reads a classic folder as root and code at once', () => {
    const dir = join(base, 'classic')
    assert.deepEqual(detectInstallLayout(dir), { layout: 'classic', root: dir, dirroot: dir })
  })

  it('reads a 5.1 installation from its root and from its public/ folder alike', () => {
    const root = join(base, 'modern')
    const want = { layout: 'public', root, dirroot: join(root, 'public') }
    assert.deepEqual(detectInstallLayout(root), want)
    assert.deepEqual(detectInstallLayout(join(root, 'public')), want)
    assert.deepEqual(detectInstallLayout(`${root}/public/`), want)
  })

  it('takes a folder named public without a config.php above it as classic', () => {
    const dir = join(base, 'lonely', 'public')
    assert.deepEqual(detectInstallLayout(dir), { layout: 'classic', root: dir, dirroot: dir })
  })

  it('finds the root of a missing installation (a swap interrupted between its renames)', () => {
    assert.equal(installRootOf(join(base, 'modern', 'public')), join(base, 'modern'))
    assert.equal(installRootOf(join(base, 'gone')), join(base, 'gone'))
    assert.equal(installRootOf(join(base, 'gone', 'public')), join(base, 'gone'))
    assert.equal(installRootOf(join(base, 'lonely', 'missing')), join(base, 'lonely', 'missing'))
  })

  it('finds the code folder of a code tree', () => {
    assert.equal(codeDirOf(join(base, 'modern')), join(base, 'modern', 'public'))
    assert.equal(codeDirOf(join(base, 'classic')), join(base, 'classic'))
  })

  it('completes an interrupted swap to a public/ tree: the staged tree has only public/version.php', async () => {
    const staging = join(base, 'staging')
    await touch(join(staging, 'rollback', '7', 'moodle', 'config.php'))
    await touch(join(staging, 'jobs', '7', 'unpacked', 'moodle', 'config.php'))
    await touch(join(staging, 'jobs', '7', 'unpacked', 'moodle', 'public', 'version.php'))
    const root = join(base, 'swapped')
    assert.equal(await recoverInterruptedCoreSwap(root, staging), 'completed the interrupted core swap of job 7')
    assert.deepEqual(detectInstallLayout(root), { layout: 'public', root, dirroot: join(root, 'public') })
  })
})
