/**
 * Builds a Moodle install directory for tests from the fixtures: config.php, version.php,
 * lib/components.json, lib/plugins.json and every plugin's version.php, language file,
 * settings.php, db/install.xml and db/subplugins.json. No PHP code from Moodle itself.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import {
  fixturesDir as defaultFixturesDir,
  readFixtureJson,
  type ComponentsJson,
  type CoreVersionFacts,
  type PluginManifestEntry,
  type SubpluginsFixture,
} from './fixtures.ts'
import { pluginFiles } from './moodle-plugin-files.ts'
import { configPhp, coreVersionPhp, SETUP_PHP_STUB, type MoodleDbType, type TestMoodleDb } from './moodle-site-files.ts'

export type { MoodleDbType, TestMoodleDb } from './moodle-site-files.ts'

export interface BuildTestMoodleDirOptions {
  /** The install directory to create (the site root, where config.php goes). */
  target: string
  dbtype: MoodleDbType
  db: TestMoodleDb
  wwwroot: string
  /** Table prefix, `mdl_` by default. */
  prefix?: string
  /** `$CFG->dataroot`; default: a sibling of `target` (`moodle-pg` → `moodledata-pg`, `x` → `x-moodledata`). */
  dataroot?: string
  /** Extra PHP statements for config.php, placed before `require_once`. */
  extraConfig?: string
  /** Fixture folder; default `fixturesDir()`. */
  fixturesDir?: string
}

export interface TestMoodleDir {
  dir: string
  dataroot: string
  configPath: string
  /** Number of plugin directories written (452 for the full manifest). */
  pluginCount: number
}

/** The default dataroot beside an install directory. */
export function defaultDataroot(target: string): string {
  const name = basename(target)
  const sibling = name.startsWith('moodle') ? `moodledata${name.slice('moodle'.length)}` : `${name}-moodledata`
  return join(dirname(target), sibling)
}

/** Writes `files` (relative path → content) under `root`, creating parent directories. */
async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel)
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, content)
  }
}

/** Builds the install directory and its dataroot; returns where they are. */
export async function buildTestMoodleDir(options: BuildTestMoodleDirOptions): Promise<TestMoodleDir> {
  const fixtures = options.fixturesDir ?? defaultFixturesDir()
  const dir = resolve(options.target)
  const dataroot = resolve(options.dataroot ?? defaultDataroot(dir))
  const manifest = readFixtureJson<PluginManifestEntry[]>('plugins-manifest.json', fixtures)
  const components = readFixtureJson<ComponentsJson>('components.json', fixtures)
  const subplugins = readFixtureJson<SubpluginsFixture>('subplugins.json', fixtures)
  const core = readFixtureJson<CoreVersionFacts>('core-version.json', fixtures)

  await mkdir(join(dir, 'lib'), { recursive: true })
  await mkdir(dataroot, { recursive: true, mode: 0o777 })
  await writeFiles(dir, {
    'config.php': configPhp({
      dbtype: options.dbtype,
      db: options.db,
      prefix: options.prefix ?? 'mdl_',
      wwwroot: options.wwwroot,
      dataroot,
      ...(options.extraConfig !== undefined ? { extraConfig: options.extraConfig } : {}),
    }),
    'version.php': coreVersionPhp(core),
    'lib/setup.php': SETUP_PHP_STUB,
    // The CLI scripts a real install has (moodle.md §9); tests run them with test/support/fake-php/php.
    ...Object.fromEntries(
      ['upgrade', 'maintenance', 'purge_caches', 'backup', 'restore_backup', 'uninstall_plugins', 'cfg'].map((s) => [
        `admin/cli/${s}.php`,
        `<?php\n// Stand-in for Moodle's admin/cli/${s}.php (no PHP here): tests run test/support/fake-php/php.\n`,
      ]),
    ),
  })
  await copyFile(join(fixtures, 'components.json'), join(dir, 'lib/components.json'))
  await copyFile(join(fixtures, 'plugins.json'), join(dir, 'lib/plugins.json'))

  // Plugin-type directories: top-level types from components.json, subplugin types from subplugins.json.
  const typeDirs = [
    ...Object.values(components.plugintypes),
    ...Object.values(subplugins).flatMap((s) => Object.values(s['subplugins.json'].plugintypes ?? {})),
  ]
  for (const typeDir of typeDirs) await mkdir(join(dir, typeDir), { recursive: true })

  for (const plugin of manifest) await writeFiles(join(dir, plugin.dir), pluginFiles(plugin))
  for (const parent of Object.values(subplugins)) {
    const json = `${JSON.stringify(parent['subplugins.json'], null, 4)}\n`
    await writeFiles(join(dir, parent.dir), { 'db/subplugins.json': json })
  }
  return { dir, dataroot, configPath: join(dir, 'config.php'), pluginCount: manifest.length }
}
