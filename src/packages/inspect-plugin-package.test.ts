import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
// Tests may reach across modules; the module itself only takes the reader as a callback.
import { parsePluginVersionPhp } from '../moodle/php/parse-version-php.ts'
import { inspectPluginPackage, PluginPackageError, splitComponent, type InspectPluginOptions } from './inspect-plugin-package.ts'
import { buildZip } from './test-zip.ts'
import { unzipPackage } from './unzip-package.ts'

const readVersion: InspectPluginOptions['readVersion'] = (source) => parsePluginVersionPhp(source)
const SITE = { readVersion, siteVersion: 2024100706, siteBranch: 405 }

const versionPhp = (props: string) => `<?php\ndefined('MOODLE_INTERNAL') || die();\n${props}\n`
const GOOD = versionPhp(
  "$plugin->component = 'local_myplugin';\n$plugin->version = 2025010100;\n$plugin->requires = 2024042200;\n$plugin->maturity = MATURITY_STABLE;",
)

let tmp: string
let n = 0
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'mb-inspect-'))
})
after(async () => {
  await rm(tmp, { recursive: true, force: true })
})

/** Writes files (path → content) into a fresh staging directory. */
async function staging(files: Record<string, string>): Promise<string> {
  const dir = join(tmp, `s${++n}`)
  await mkdir(dir)
  for (const [path, content] of Object.entries(files)) {
    if (path.endsWith('/')) {
      await mkdir(join(dir, path), { recursive: true })
      continue
    }
    await mkdir(join(dir, path, '..'), { recursive: true })
    await writeFile(join(dir, path), content)
  }
  return dir
}

async function rejected(dir: string, options: InspectPluginOptions, code: string): Promise<PluginPackageError> {
  let caught: unknown
  await inspectPluginPackage(dir, options).catch((error: unknown) => {
    caught = error
  })
  assert.ok(caught instanceof PluginPackageError, `expected ${code}, got ${String(caught)}`)
  assert.equal(caught.code, code, caught.message)
  return caught
}

describe('inspectPluginPackage', () => {
  it('reads a good plugin package unpacked from a ZIP', async () => {
    const zip = join(tmp, 'good.zip')
    await writeFile(zip, await buildZip({ 'myplugin/version.php': GOOD, 'myplugin/lib.php': '<?php', '__MACOSX/myplugin/._lib.php': 'x' }))
    const dir = join(tmp, 'good')
    await unzipPackage(zip, dir, { maxEntries: 100, maxUncompressedBytes: 1e6 })
    const result = await inspectPluginPackage(dir, { ...SITE, expectedComponent: 'local_myplugin', pluginTypes: ['local', 'mod'] })
    assert.deepEqual(result, {
      folder: 'myplugin',
      path: join(dir, 'myplugin'),
      component: 'local_myplugin',
      type: 'local',
      name: 'myplugin',
      version: 2025010100,
      requires: 2024042200,
    })
  })

  it('needs exactly one top-level folder', async () => {
    await rejected(await staging({ 'a/version.php': GOOD, 'b/version.php': GOOD }), SITE, 'package_not_single_plugin')
    await rejected(await staging({ 'version.php': GOOD }), SITE, 'package_not_single_plugin')
    await rejected(await staging({}), SITE, 'package_not_single_plugin')
    const error = await rejected(await staging({ 'myplugin/lib.php': '<?php' }), SITE, 'package_not_single_plugin')
    assert.equal(error.message, 'Invalid zip file: version.php not found.')
  })

  it('does not follow a symlinked folder or version.php', async () => {
    const dir = await staging({ 'real/version.php': GOOD })
    const linked = join(tmp, `s${++n}`)
    await mkdir(linked)
    await symlink(join(dir, 'real'), join(linked, 'myplugin'))
    await rejected(linked, SITE, 'package_not_single_plugin')
    const fileLink = await staging({ 'myplugin/': '' })
    await symlink(join(dir, 'real/version.php'), join(fileLink, 'myplugin/version.php'))
    await rejected(fileLink, SITE, 'package_not_single_plugin')
  })

  it('refuses a version.php that is not literal PHP', async () => {
    const dir = await staging({ 'myplugin/version.php': versionPhp("$plugin->component = 'local_' . 'myplugin'; system('id');") })
    await rejected(dir, SITE, 'package_version_php_invalid')
  })

  it('checks the component', async () => {
    const missing = await rejected(await staging({ 'myplugin/version.php': versionPhp('$plugin->version = 2025010100;') }), SITE, 'package_invalid_component')
    assert.equal(missing.message, 'Invalid component name.')
    assert.equal(missing.component, undefined)
    const otherFolder = await rejected(await staging({ 'other/version.php': GOOD }), SITE, 'package_invalid_component')
    assert.equal(otherFolder.component, 'local_myplugin')
    assert.equal(otherFolder.version, 2025010100)
    await rejected(await staging({ 'myplugin/version.php': GOOD }), { ...SITE, pluginTypes: ['mod'] }, 'package_invalid_component')
  })

  it('needs an integer version', async () => {
    const dir = await staging({ 'myplugin/version.php': versionPhp("$plugin->component = 'local_myplugin';") })
    const error = await rejected(dir, SITE, 'package_invalid_version')
    assert.equal(error.message, 'Invalid zip file.')
    assert.equal(error.component, 'local_myplugin')
  })

  it('refuses a plugin that requires a newer Moodle', async () => {
    const dir = await staging({ 'myplugin/version.php': GOOD })
    const error = await rejected(dir, { ...SITE, siteVersion: 2024042199 }, 'package_requires_newer_moodle')
    assert.equal(error.message, 'Plugin requires a newer Moodle version.')
    assert.equal(error.version, 2025010100)
    await inspectPluginPackage(dir, { ...SITE, siteVersion: 2024042200 })
  })

  it('refuses what Moodle\'s upgrade refuses: a Moodle 1.x `requires`, a zero version; 0 means not declared', async () => {
    const old = await staging({
      'myplugin/version.php': versionPhp("$plugin->component = 'local_myplugin';\n$plugin->version = 2025010100;\n$plugin->requires = 2007101509;"),
    })
    const error = await rejected(old, { ...SITE, readVersion: (s) => parsePluginVersionPhp(s) }, 'package_requires_pre_moodle2')
    assert.equal(error.message, 'Plugin is not compatible with Moodle 2.x or later.')
    assert.equal(error.version, 2025010100)
    const zeroVersion = await staging({ 'myplugin/version.php': versionPhp("$plugin->component = 'local_myplugin';\n$plugin->version = 0;") })
    await rejected(zeroVersion, { ...SITE, readVersion: (s) => parsePluginVersionPhp(s) }, 'package_invalid_version')
    const zeros = await staging({
      'myplugin/version.php': versionPhp("$plugin->component = 'local_myplugin';\n$plugin->version = 2025010100;\n$plugin->requires = 0;\n$plugin->incompatible = 0;"),
    })
    const ok = await inspectPluginPackage(zeros, { ...SITE, readVersion: (s) => parsePluginVersionPhp(s) })
    assert.equal(ok.requires, undefined)
    assert.equal(ok.incompatible, undefined)
  })

  it('refuses a plugin incompatible with the site branch', async () => {
    const dir = await staging({
      'myplugin/version.php': versionPhp("$plugin->component = 'local_myplugin';\n$plugin->version = 2025010100;\n$plugin->incompatible = 405;"),
    })
    await rejected(dir, { ...SITE, readVersion: (s) => parsePluginVersionPhp(s) }, 'package_incompatible')
    const ok = await inspectPluginPackage(dir, { ...SITE, siteBranch: 404 })
    assert.equal(ok.incompatible, 405)
  })

  it('refuses a component other than the expected one', async () => {
    const dir = await staging({ 'myplugin/version.php': GOOD })
    const error = await rejected(dir, { ...SITE, expectedComponent: 'local_other' }, 'package_component_mismatch')
    assert.equal(error.message, 'Component mismatch.')
  })
})

describe('splitComponent', () => {
  it('splits at the first underscore and applies Moodle name rules', () => {
    assert.deepEqual(splitComponent('mod_forum'), { type: 'mod', name: 'forum' })
    assert.deepEqual(splitComponent('local_my_tool'), { type: 'local', name: 'my_tool' })
    assert.deepEqual(splitComponent('h5plib_v127'), { type: 'h5plib', name: 'v127' })
    for (const bad of ['forum', '_forum', 'mod_', 'mod_my_forum', 'local_a', 'local_my__tool', 'local_tool_', 'Local_x1', 'core_user', 'local_../x']) {
      assert.equal(splitComponent(bad), undefined, bad)
    }
  })
})
