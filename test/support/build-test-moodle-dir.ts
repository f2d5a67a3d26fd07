/**
 * Builds a Moodle install directory for tests from the fixtures: config.php, version.php,
 * lib/components.json, lib/plugins.json and every plugin's version.php, language file,
 * settings.php, db/install.xml and db/subplugins.json. No PHP code from Moodle itself. `release`
 * imitates another Moodle release's tree (test/support/moodle-releases.ts): 4.1's plugin types and
 * version.php, or 5.1's `public/` layout (config.php in the root, everything else under public/).
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
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
import { configPhp, coreVersionPhp, PUBLIC_CONFIG_PHP_LOADER, SETUP_PHP_STUB, type MoodleDbType, type TestMoodleDb } from './moodle-site-files.ts'
import { releaseComponents, RELEASES, type MoodleRelease } from './moodle-releases.ts'

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
  /** Which release's code tree to imitate; default '4.5' (the fixture's own). */
  release?: MoodleRelease
}

export interface TestMoodleDir {
  /** The installation root (config.php). */
  dir: string
  /** The code directory: `dir`, or `dir/public` on the 5.1 layout. */
  codeDir: string
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
  const facts = RELEASES[options.release ?? '4.5']
  const core = facts.core ?? readFixtureJson<CoreVersionFacts>('core-version.json', fixtures)
  const components = releaseComponents(readFixtureJson<ComponentsJson>('components.json', fixtures), facts)
  const skipped = (p: PluginManifestEntry) =>
    facts.missingTypes.includes(p.type) || facts.missingSubtypes.includes(p.type) || facts.missingPlugins.includes(p.component)
  const manifest = readFixtureJson<PluginManifestEntry[]>('plugins-manifest.json', fixtures).filter((p) => !skipped(p))
  const subplugins = releaseSubplugins(readFixtureJson<SubpluginsFixture>('subplugins.json', fixtures), facts.missingSubtypes, facts.missingPlugins)
  const code = facts.layout === 'public' ? join(dir, 'public') : dir

  await mkdir(join(code, 'lib'), { recursive: true })
  await mkdir(dataroot, { recursive: true, mode: 0o777 })
  await writeFiles(dir, {
    'config.php': configPhp({
      dbtype: options.dbtype,
      db: options.db,
      prefix: options.prefix ?? 'mdl_',
      wwwroot: options.wwwroot,
      dataroot,
      ...(options.extraConfig !== undefined ? { extraConfig: options.extraConfig } : {}),
      ...(facts.layout === 'public' ? { setupPath: '/public/lib/setup.php' } : {}),
    }),
  })
  await writeFiles(code, {
    ...(facts.layout === 'public' ? { 'config.php': PUBLIC_CONFIG_PHP_LOADER } : {}),
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
  if (options.release === undefined || options.release === '4.5') await copyFile(join(fixtures, 'components.json'), join(code, 'lib/components.json'))
  else await writeFile(join(code, 'lib/components.json'), `${JSON.stringify(components, null, 4)}\n`)
  await writeFile(join(code, 'lib/plugins.json'), releasePluginsJson(await readFile(join(fixtures, 'plugins.json'), 'utf8'), facts.missingTypes, facts.missingPlugins))

  // Plugin-type directories: top-level types from components.json, subplugin types from subplugins.json.
  const typeDirs = [
    ...Object.values(components.plugintypes),
    ...Object.values(components.deprecatedplugintypes ?? {}),
    ...Object.values(subplugins).flatMap((s) => Object.values(s['subplugins.json'].plugintypes ?? {})),
  ]
  for (const typeDir of typeDirs) await mkdir(join(code, typeDir), { recursive: true })

  for (const plugin of manifest) await writeFiles(join(code, plugin.dir), pluginFiles(plugin))
  for (const parent of Object.values(subplugins)) {
    const json = `${JSON.stringify(parent['subplugins.json'], null, 4)}\n`
    await writeFiles(join(code, parent.dir), { 'db/subplugins.json': json })
  }
  return { dir, codeDir: code, dataroot, configPath: join(dir, 'config.php'), pluginCount: manifest.length }
}

/** The subplugin declarations without the given types and without those of left-out parents. */
function releaseSubplugins(all: SubpluginsFixture, missingTypes: readonly string[], missingPlugins: readonly string[]): SubpluginsFixture {
  const out: SubpluginsFixture = {}
  for (const [parent, entry] of Object.entries(all)) {
    if (missingPlugins.includes(parent)) continue
    const types = Object.fromEntries(Object.entries(entry['subplugins.json'].plugintypes ?? {}).filter(([t]) => !missingTypes.includes(t)))
    out[parent] = { ...entry, 'subplugins.json': { ...entry['subplugins.json'], plugintypes: types } }
  }
  return out
}

/** lib/plugins.json without the standard plugins of left-out types and plugins (the text as is otherwise). */
function releasePluginsJson(text: string, missingTypes: readonly string[], missingPlugins: readonly string[]): string {
  if (missingTypes.length === 0 && missingPlugins.length === 0) return text
  const lists = JSON.parse(text) as { standard: Record<string, string[]>; deleted?: Record<string, string[]> }
  for (const type of missingTypes) delete lists.standard[type]
  for (const component of missingPlugins) {
    const split = component.indexOf('_')
    const [type, name] = [component.slice(0, split), component.slice(split + 1)]
    lists.standard[type] = (lists.standard[type] ?? []).filter((n) => n !== name)
  }
  return `${JSON.stringify(lists, null, 4)}\n`
}
