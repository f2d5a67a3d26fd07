/** Where the Moodle 4.5 fixtures live, and the shapes of the JSON files in them. */
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** One plugin on disk, as listed in `plugins-manifest.json`. */
export interface PluginManifestEntry {
  component: string
  type: string
  name: string
  /** Relative to the site root, with a leading slash, e.g. `/blocks/xp`. */
  dir: string
  version: number
  release: string | null
  requires: number | null
  maturity: number | null
  /** Component → required version, or `'any'` (Moodle's ANY_VERSION). */
  dependencies: Record<string, number | string>
  supported: number[] | null
  incompatible: number | null
  is_standard: boolean
  has_settings: boolean
  has_db_install: boolean
  has_lang: boolean
  /** Relative to the plugin dir, e.g. `lang/en/forum.php`. */
  lang_file: string
  display_name: string
  display_name_key: string
}

/** The facts in the site's root `version.php` (`core-version.json`). */
export interface CoreVersionFacts {
  version: number
  /** As written in the file, e.g. `2024100706.00`. */
  version_text: string
  release: string
  branch: string
  maturity: number
  maturity_name: string
  major_version: string
}

/** Moodle's `lib/components.json`. */
export interface ComponentsJson {
  plugintypes: Record<string, string>
  subsystems: Record<string, string | null>
}

/** `subplugins.json` fixture: parent component → its dir and its `db/subplugins.json`, verbatim. */
export type SubpluginsFixture = Record<string, { dir: string; 'subplugins.json': { plugintypes?: Record<string, string> } }>

/** The fixture folder: `MB_FIXTURES_DIR`, else `<repo>/../shared/fixtures/moodle-4.5`. */
export function fixturesDir(): string {
  const fromEnv = process.env.MB_FIXTURES_DIR
  if (fromEnv) return resolve(fromEnv)
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures/moodle-4.5')
}

/** Absolute path of a file in the fixture folder. */
export function fixturePath(name: string): string {
  return join(fixturesDir(), name)
}

/** Parses a JSON file from the fixture folder (`dir` overrides the folder). */
export function readFixtureJson<T = unknown>(name: string, dir: string = fixturesDir()): T {
  return JSON.parse(readFileSync(join(dir, name), 'utf8')) as T
}
