import { assignPhpProperty } from './assign-php-property.ts'
import { parsePhpSubset, type PhpStatement } from './parse-php-subset.ts'
import { PhpSubsetError } from './php-subset-error.ts'
import { type PhpValue, phpToString } from './php-value.ts'

/** The facts of Moodle's root `version.php` (moodle.md §2.1). */
export type CoreVersionPhp = {
  /** `$version` as a number (compare as a float). */
  version: number
  /** `$version` as written, e.g. '2024100706.00'. */
  versionText: string
  release?: string
  branch?: string
  /** MATURITY_* value (50, 100, 150, 200). */
  maturity?: number
}

/** The facts of a plugin's `version.php` (moodle.md §2.2). */
export type PluginVersionPhp = {
  component?: string
  version?: number
  /** `$plugin->version` as written, e.g. '2024100700'. */
  versionText?: string
  requires?: number
  maturity?: number
  release?: string
  /** component → minimum version, or 'any' (ANY_VERSION). */
  dependencies: Record<string, number | 'any'>
  /** [lowest, highest] supported branch, e.g. [401, 405]. */
  supported?: [number, number]
  /** First branch the plugin does not work on. */
  incompatible?: number
  /** Every `$plugin->x`, including ones not interpreted above (cron, …). */
  properties: Map<string, PhpValue>
}

/** What a version.php declares: `core` when it assigns `$version`, `plugin` when it uses `$plugin`. */
export type VersionPhp = {
  core: CoreVersionPhp | undefined
  plugin: PluginVersionPhp | undefined
}

/** The constants version.php files use (lib/setuplib.php, lib/moodlelib.php). */
export const VERSION_PHP_CONSTANTS: ReadonlyMap<string, PhpValue> = new Map<string, PhpValue>([
  ['MATURITY_ALPHA', 50],
  ['MATURITY_BETA', 100],
  ['MATURITY_RC', 150],
  ['MATURITY_STABLE', 200],
  ['ANY_VERSION', 'any'],
])

/**
 * Reads a root or plugin version.php without running PHP. Accepts the MOODLE_INTERNAL guard and
 * the MATURITY_* / ANY_VERSION constants; other variables than `$version`, `$release`, `$branch`,
 * `$maturity` and `$plugin` are ignored. Throws PhpSubsetError for PHP outside the literal subset
 * and for values of the wrong shape (e.g. `supported` that is not two ints, low ≤ high).
 */
export function parseVersionPhp(source: string, file = 'version.php'): VersionPhp {
  const statements = parsePhpSubset(source, { file, allowGuard: true, constants: VERSION_PHP_CONSTANTS })
  const variables = new Map<string, Assigned>()
  const properties = new Map<string, PhpValue>()
  const propertyLines = new Map<string, Assigned>()
  let usesPlugin = false
  for (const statement of statements) {
    if (statement.kind === 'new' && statement.variable === 'plugin') {
      usesPlugin = true
      properties.clear()
      propertyLines.clear()
    }
    if (statement.kind !== 'assign') continue
    const { target } = statement
    if (target.variable === 'plugin' && target.property !== undefined) {
      usesPlugin = true
      assignPhpProperty(properties, { ...target, property: target.property }, statement.value, { file, line: statement.line })
      propertyLines.set(target.property, assigned(statement, target.keys.length === 0))
    } else if (target.property === undefined && target.keys.length === 0) {
      variables.set(target.variable, assigned(statement, true))
    }
  }
  return {
    core: variables.has('version') ? coreVersion(variables, file) : undefined,
    plugin: usesPlugin ? pluginVersion(properties, propertyLines, file) : undefined,
  }
}

/** Like `parseVersionPhp`, for the root version.php: throws when `$version` is not assigned. */
export function parseCoreVersionPhp(source: string, file = 'version.php'): CoreVersionPhp {
  const { core } = parseVersionPhp(source, file)
  if (!core) throw new PhpSubsetError(file, 1, 'version', 'this file does not assign $version')
  return core
}

/** Like `parseVersionPhp`, for a plugin's version.php: throws when it never uses `$plugin`. */
export function parsePluginVersionPhp(source: string, file = 'version.php'): PluginVersionPhp {
  const { plugin } = parseVersionPhp(source, file)
  if (!plugin) throw new PhpSubsetError(file, 1, undefined, 'this file does not assign $plugin properties')
  return plugin
}

type Assigned = { line: number; value: PhpValue; numberText: string | undefined }

function assigned(statement: PhpStatement & { kind: 'assign' }, whole: boolean): Assigned {
  return { line: statement.line, value: statement.value, numberText: whole ? statement.numberText : undefined }
}

function coreVersion(variables: Map<string, Assigned>, file: string): CoreVersionPhp {
  const read = new FieldReader(file, '$', (name) => variables.get(name))
  const version = read.number('version')
  const versionText = read.text('version')
  if (version === undefined || versionText === undefined) {
    throw new PhpSubsetError(file, variables.get('version')?.line ?? 1, 'version', '$version must be a number')
  }
  const core: CoreVersionPhp = { version, versionText }
  const release = read.string('release')
  const branch = read.string('branch')
  const maturity = read.number('maturity')
  if (release !== undefined) core.release = release
  if (branch !== undefined) core.branch = branch
  if (maturity !== undefined) core.maturity = maturity
  return core
}

function pluginVersion(properties: Map<string, PhpValue>, lines: Map<string, Assigned>, file: string): PluginVersionPhp {
  const read = new FieldReader(file, '$plugin->', (name) => {
    const value = properties.get(name)
    const at = lines.get(name)
    return value === undefined ? undefined : { line: at?.line ?? 1, value, numberText: at?.numberText }
  })
  const plugin: PluginVersionPhp = { dependencies: read.dependencies(), properties }
  const fields = {
    component: read.string('component'),
    version: read.number('version'),
    versionText: read.text('version'),
    requires: read.number('requires'),
    maturity: read.number('maturity'),
    release: read.string('release'),
    supported: read.supported(),
    incompatible: read.number('incompatible'),
  }
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) Object.assign(plugin, { [name]: value })
  }
  return plugin
}

/** Typed access to assigned values, with errors naming the file, line and setting. */
class FieldReader {
  constructor(
    private readonly file: string,
    private readonly prefix: string,
    private readonly get: (name: string) => Assigned | undefined,
  ) {}

  /** A number; numeric strings count (PHP compares them numerically). null reads as absent. */
  number(name: string): number | undefined {
    const field = this.get(name)
    if (field === undefined || field.value === null) return undefined
    const number = toNumber(field.value)
    if (number === undefined) throw this.error(name, field, 'must be a number')
    return number
  }

  /** The literal text of a number (or the string itself). */
  text(name: string): string | undefined {
    const field = this.get(name)
    if (field === undefined || field.value === null) return undefined
    return field.numberText ?? phpToString(field.value)
  }

  /** A scalar converted as PHP converts it to a string. */
  string(name: string): string | undefined {
    const field = this.get(name)
    if (field === undefined || field.value === null) return undefined
    if (field.value instanceof Map) throw this.error(name, field, 'must be a string')
    return phpToString(field.value)
  }

  dependencies(): Record<string, number | 'any'> {
    const field = this.get('dependencies')
    const dependencies: Record<string, number | 'any'> = {}
    if (field === undefined || field.value === null) return dependencies
    if (!(field.value instanceof Map)) throw this.error('dependencies', field, 'must be an array')
    for (const [component, version] of field.value) {
      const number = version === 'any' ? 'any' : toNumber(version)
      if (number === undefined) throw this.error(`dependencies['${component}']`, field, 'must be a version number or ANY_VERSION')
      dependencies[String(component)] = number
    }
    return dependencies
  }

  /** Two ints, low ≤ high, as Moodle's plugininfo checks them. */
  supported(): [number, number] | undefined {
    const field = this.get('supported')
    if (field === undefined || field.value === null) return undefined
    const range = field.value instanceof Map && field.value.size === 2 ? [field.value.get(0), field.value.get(1)].map(toNumber) : []
    const [low, high] = range
    if (low === undefined || high === undefined || !Number.isInteger(low) || !Number.isInteger(high) || low > high) {
      throw this.error('supported', field, 'must be an array of two integer branches, lowest first')
    }
    return [low, high]
  }

  private error(name: string, field: Assigned, problem: string): PhpSubsetError {
    return new PhpSubsetError(this.file, field.line, name, `${this.prefix}${name} ${problem}`)
  }
}

function toNumber(value: PhpValue | undefined): number | undefined {
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') return Number(value)
  if (typeof value === 'string' && /^\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*$/.test(value)) {
    return Number(value)
  }
  return undefined
}
