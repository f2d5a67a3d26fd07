import { lstat, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AppError } from '../shared/errors.ts'

/** What the caller's version.php reader returns (e.g. from moodle's parsePluginVersionPhp). */
export type PluginVersionFacts = { component?: string; version?: number; requires?: number; incompatible?: number }

/** Reads a plugin's version.php text; may throw when the file is not readable as literal PHP. */
export type ReadPluginVersion = (source: string) => PluginVersionFacts

export type InspectPluginOptions = {
  readVersion: ReadPluginVersion
  /** When given, the package's component must equal it → else `package_component_mismatch`. */
  expectedComponent?: string
  /** The site's core version (config `version`); `requires` above it → `package_requires_newer_moodle`. */
  siteVersion?: number
  /** The site's branch (e.g. 405); `incompatible` ≤ it → `package_incompatible`. */
  siteBranch?: number
  /** Plugin types known to the site (sub-plugin types included); when given, the component's type must be one. */
  pluginTypes?: Iterable<string>
}

export type PluginPackage = {
  /** The single top-level folder, e.g. `certificate`. */
  folder: string
  /** Absolute path of that folder. */
  path: string
  component: string
  /** Plugin type, e.g. `mod`. */
  type: string
  /** Plugin name, equal to `folder`. */
  name: string
  version: number
  requires?: number
  incompatible?: number
}

/** A failed inspection; carries what was read before the failure (moopanel-api.md §5.7 rule 3). */
export class PluginPackageError extends AppError {
  constructor(
    code: string,
    message: string,
    readonly component?: string,
    readonly version?: number,
  ) {
    super('invalid_input', code, message)
  }
}

export const INVALID_PACKAGE_MESSAGE = 'Invalid zip file.'
const MAX_VERSION_PHP_BYTES = 1024 * 1024
/** Moodle's upgrade refuses a plugin whose `requires` is below this (Moodle 1.x versions). */
const MOODLE_2_VERSION = 2010000000
const SKIPPED_TOP = '__MACOSX'
const TYPE_NAME = /^[a-z][a-z0-9]*$/
const MOD_NAME = /^[a-z][a-z0-9]*$/
const PLUGIN_NAME = /^[a-z][a-z0-9_]*[a-z0-9]$/

/**
 * Validates an unpacked plugin package in `stagingDir` (moopanel-api.md §5.5.4, in that order):
 * exactly one top-level directory (`__MACOSX` ignored) holding a regular `version.php`; a
 * well-formed component whose name equals the folder; a positive integer version; `requires` ≤ the
 * site's version; `incompatible` > the site's branch; then the expected component, when given.
 * Moodle's upgrade applies the same rules once the code is in place (`upgrade_plugins`: an empty
 * version, `requires` above `$CFG->version` or below 2010000000, `$CFG->branch` ≤ `incompatible`
 * all stop it; `requires` and `incompatible` count only when non-empty, so 0 means "not declared"),
 * and a package it would refuse must be refused here, before anything is swapped in.
 *
 * Throws PluginPackageError: `package_not_single_plugin`, `package_version_php_invalid`,
 * `package_invalid_component`, `package_invalid_version`, `package_requires_newer_moodle`,
 * `package_requires_pre_moodle2`, `package_incompatible`, `package_component_mismatch`.
 */
export async function inspectPluginPackage(stagingDir: string, options: InspectPluginOptions): Promise<PluginPackage> {
  const entries = (await readdir(stagingDir, { withFileTypes: true })).filter((entry) => entry.name !== SKIPPED_TOP)
  const only = entries[0]
  // Dirent types come from lstat: a symbolic link is neither a directory nor a file here.
  if (entries.length !== 1 || !only?.isDirectory()) {
    throw new PluginPackageError('package_not_single_plugin', `${INVALID_PACKAGE_MESSAGE.slice(0, -1)}: expected one plugin folder.`)
  }
  const folder = only.name
  const path = join(stagingDir, folder)
  const versionFile = join(path, 'version.php')
  const stats = await lstat(versionFile).catch(() => undefined)
  if (!stats?.isFile()) {
    throw new PluginPackageError('package_not_single_plugin', `${INVALID_PACKAGE_MESSAGE.slice(0, -1)}: version.php not found.`)
  }
  if (stats.size > MAX_VERSION_PHP_BYTES) {
    throw new PluginPackageError('package_version_php_invalid', `${INVALID_PACKAGE_MESSAGE.slice(0, -1)}: version.php too large.`)
  }
  let facts: PluginVersionFacts
  try {
    facts = options.readVersion(await readFile(versionFile, 'utf8'))
  } catch {
    throw new PluginPackageError('package_version_php_invalid', `${INVALID_PACKAGE_MESSAGE.slice(0, -1)}: version.php not readable.`)
  }

  const { component } = facts
  const version = Number.isSafeInteger(facts.version) && facts.version! > 0 ? facts.version : undefined
  const parts = component === undefined ? undefined : splitComponent(component)
  const knownTypes = options.pluginTypes ? new Set(options.pluginTypes) : undefined
  if (!component || !parts || parts.name !== folder || (knownTypes && !knownTypes.has(parts.type))) {
    throw new PluginPackageError('package_invalid_component', 'Invalid component name.', parts ? component : undefined, version)
  }
  if (version === undefined) {
    throw new PluginPackageError('package_invalid_version', INVALID_PACKAGE_MESSAGE, component)
  }
  // PHP's empty(): 0 (and an absent value) means "not declared".
  const requires = facts.requires || undefined
  const incompatible = facts.incompatible || undefined
  if (requires !== undefined && options.siteVersion !== undefined && requires > options.siteVersion) {
    throw new PluginPackageError('package_requires_newer_moodle', 'Plugin requires a newer Moodle version.', component, version)
  }
  if (requires !== undefined && requires < MOODLE_2_VERSION) {
    throw new PluginPackageError('package_requires_pre_moodle2', 'Plugin is not compatible with Moodle 2.x or later.', component, version)
  }
  if (incompatible !== undefined && options.siteBranch !== undefined && incompatible <= options.siteBranch) {
    throw new PluginPackageError('package_incompatible', 'Plugin is incompatible with this Moodle version.', component, version)
  }
  if (options.expectedComponent !== undefined && options.expectedComponent !== component) {
    throw new PluginPackageError('package_component_mismatch', 'Component mismatch.', component, version)
  }
  return {
    folder,
    path,
    component,
    type: parts.type,
    name: parts.name,
    version,
    ...(requires !== undefined ? { requires } : {}),
    ...(incompatible !== undefined ? { incompatible } : {}),
  }
}

/**
 * Splits a frankenstyle plugin component (`mod_forum`, `local_my_tool`) at its first underscore and
 * checks both parts with Moodle's name rules (moodle.md §2.4); undefined when malformed or `core`.
 */
export function splitComponent(component: string): { type: string; name: string } | undefined {
  const at = component.indexOf('_')
  if (at <= 0) return undefined
  const type = component.slice(0, at)
  const name = component.slice(at + 1)
  if (!TYPE_NAME.test(type) || type === 'core') return undefined
  const valid = type === 'mod' ? MOD_NAME.test(name) : PLUGIN_NAME.test(name) && !name.includes('__')
  return valid ? { type, name } : undefined
}
