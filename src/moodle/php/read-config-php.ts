import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseConfigPhp } from './parse-config-php.ts'
import { PhpSubsetError } from './php-subset-error.ts'
import { type PhpValue, phpIsTruthy, phpToString } from './php-value.ts'

/** `$CFG->dboptions` keys the service uses (moodle.md §1.3); empty strings and 0 read as absent. */
export type MoodleDbOptions = {
  dbport?: number
  dbsocket?: string
  dbschema?: string
  ssl?: string
  connecttimeout?: number
  dbcollation?: string
  dbhandlesoptions?: boolean
}

/**
 * The typed view of `<dirroot>/config.php`. Connection values are undefined when config.php does
 * not assign them (dbtype, wwwroot and dataroot are required by Moodle, but the caller merges its
 * overrides first and validates after).
 */
export type MoodleConfigFile = {
  /** Absolute path of the file read. */
  file: string
  dbtype?: string
  dbhost?: string
  dbname?: string
  dbuser?: string
  dbpass?: string
  prefix?: string
  dboptions: MoodleDbOptions
  wwwroot?: string
  dataroot?: string
  /** Admin directory name, default 'admin'. */
  admin: string
  /** Mode for directories Moodle creates, default 0o2777. */
  directorypermissions: number
  /** Every `$CFG` value: each one is a forced core setting that overrides table `config`. */
  settings: Map<string, PhpValue>
  /** `$CFG->forced_plugin_settings` as plugin → name → value (arrays and null dropped, as Moodle does). */
  forcedPluginSettings: Map<string, Map<string, string>>
}

/** Options of `readConfigPhp`. */
export type ReadConfigPhpOptions = {
  /** Advice for a setting that cannot be read; defaults to the service's own override options. */
  overrideHint?: (setting: string) => string | undefined
}

/** moodle-bridge options that replace a config.php setting (see src/config/options.ts). */
const OVERRIDE_OPTIONS: Record<string, string> = {
  dbtype: 'db_type',
  dbhost: 'db_host',
  dbname: 'db_name',
  dbuser: 'db_user',
  dbpass: 'db_pass',
  prefix: 'db_prefix',
  "dboptions['dbport']": 'db_port',
  "dboptions['dbsocket']": 'db_socket',
  "dboptions['dbschema']": 'db_schema',
  wwwroot: 'wwwroot',
  dataroot: 'dataroot',
}

/** `--db-pass / MOODLE_BRIDGE_DB_PASS` for the settings moodle-bridge can take from its own options. */
export function defaultOverrideHint(setting: string): string | undefined {
  const option = OVERRIDE_OPTIONS[setting]
  return option === undefined ? undefined : `--${option.replaceAll('_', '-')} / MOODLE_BRIDGE_${option.toUpperCase()}`
}

/**
 * Reads and parses `<dirroot>/config.php` (moodle.md §1). Throws an Error naming the path when the
 * file is missing or unreadable, and PhpSubsetError when it uses PHP beyond literal assignments.
 */
export async function readConfigPhp(dirroot: string, options: ReadConfigPhpOptions = {}): Promise<MoodleConfigFile> {
  const file = join(dirroot, 'config.php')
  let source: string
  try {
    source = await readFile(file, 'utf8')
  } catch (error) {
    throw new Error(`cannot read Moodle's config file ${file}: ${readProblem(error)}`, { cause: error })
  }
  const { settings, lines } = parseConfigPhp(source, file, { overrideHint: options.overrideHint ?? defaultOverrideHint })
  const where = (setting: string) => ({ file, line: lines.get(setting.replace(/\[.*$/, '')) ?? 1, setting })
  const text = (name: string) => optionalString(settings.get(name), where(name))
  const dboptions = settings.get('dboptions') ?? null
  if (dboptions !== null && !(dboptions instanceof Map)) throw shapeError(where('dboptions'), 'must be an array')
  const dbOption = (name: string) => dboptions?.get(name)
  const dbText = (name: string) => nonEmpty(optionalString(dbOption(name), where(`dboptions['${name}']`)))
  const dbNumber = (name: string) => positiveNumber(dbOption(name), where(`dboptions['${name}']`))
  const handlesOptions = dbOption('dbhandlesoptions')
  return {
    file,
    dbtype: text('dbtype'),
    dbhost: text('dbhost'),
    dbname: text('dbname'),
    dbuser: text('dbuser'),
    dbpass: text('dbpass'),
    prefix: text('prefix'),
    dboptions: dropUndefined({
      dbport: dbNumber('dbport'),
      dbsocket: dbText('dbsocket'),
      dbschema: dbText('dbschema'),
      ssl: dbText('ssl'),
      connecttimeout: dbNumber('connecttimeout'),
      dbcollation: dbText('dbcollation'),
      dbhandlesoptions: handlesOptions === undefined ? undefined : phpIsTruthy(handlesOptions),
    }),
    wwwroot: text('wwwroot'),
    dataroot: text('dataroot'),
    admin: nonEmpty(text('admin')) ?? 'admin',
    directorypermissions: positiveNumber(settings.get('directorypermissions'), where('directorypermissions')) ?? 0o2777,
    settings,
    forcedPluginSettings: forcedPluginSettings(settings.get('forced_plugin_settings')),
  }
}

function readProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOENT') return 'no such file (is the Moodle directory right?)'
  if (code === 'EACCES' || code === 'EPERM') {
    return "permission denied (config.php is often mode 0640: moodle-bridge's user needs group read access)"
  }
  if (code === 'EISDIR') return 'it is a directory'
  return error instanceof Error ? error.message : String(error)
}

type Where = { file: string; line: number; setting: string }

/** A scalar as PHP turns it into a string; undefined when absent; an array is an error. */
function optionalString(value: PhpValue | undefined, where: Where): string | undefined {
  if (value === undefined) return undefined
  if (value instanceof Map) throw shapeError(where, 'must be a string, not an array')
  return phpToString(value)
}

/** A number, or a numeric string; '', 0, false and null read as absent (Moodle's defaults apply). */
function positiveNumber(value: PhpValue | undefined, where: Where): number | undefined {
  if (value === undefined || value === null || value === false || value === '') return undefined
  const number = typeof value === 'string' && /^\s*[0-9]+\s*$/.test(value) ? Number(value) : value
  if (typeof number === 'bigint') return Number(number)
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) {
    throw shapeError(where, 'must be a positive number')
  }
  return number === 0 ? undefined : number
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value
}

/** The value is literal but of the wrong type; the line is that of the setting's last assignment. */
function shapeError(where: Where, problem: string): PhpSubsetError {
  return new PhpSubsetError(where.file, where.line, where.setting, `$CFG->${where.setting} ${problem}`)
}

function forcedPluginSettings(value: PhpValue | undefined): Map<string, Map<string, string>> {
  const plugins = new Map<string, Map<string, string>>()
  if (!(value instanceof Map)) return plugins
  for (const [plugin, names] of value) {
    if (!(names instanceof Map)) continue
    const forced = new Map<string, string>()
    for (const [name, setting] of names) {
      // Moodle ignores forced values that are arrays, objects or null; the rest become strings.
      if (setting instanceof Map || setting === null) continue
      forced.set(String(name), phpToString(setting))
    }
    plugins.set(String(plugin), forced)
  }
  return plugins
}

function dropUndefined<T extends object>(object: T): T {
  for (const key of Object.keys(object) as (keyof T)[]) if (object[key] === undefined) delete object[key]
  return object
}
