import { existsSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import type { Kysely } from 'kysely'
import { openDatabase, type DatabaseTarget, type SqlFamily } from './db/open-database.ts'
import type { MoodleTables } from './db/tables.ts'
import { detectInstallLayout, type InstallLayout, type InstallPaths } from './install-layout.ts'
import { readConfigPhp } from './php/read-config-php.ts'
import { phpToString, type PhpValue } from './php/php-value.ts'

/** An open Moodle site: its database, its directories and config.php's forced settings. */
export interface Moodle {
  db: Kysely<MoodleTables>
  family: SqlFamily
  driver: DatabaseTarget['driver']
  prefix: string
  /** Moodle code directory (`$CFG->dirroot`): plugins, version.php, lib/components.json, admin CLI. */
  dirroot: string
  /** Installation root (`$CFG->root`, where config.php lives): `dirroot` itself, or its parent on the `public` layout. */
  root: string
  /** `classic` (code in the root) or `public` (Moodle 5.1+: code in `<root>/public`). */
  layout: InstallLayout
  dataroot: string | undefined
  /** Public base URL without trailing slash. */
  wwwroot: string
  /** Name of the admin directory ($CFG->admin). */
  admin: string
  /** `$CFG->x` scalar values from config.php; they override `config` rows. */
  forcedSettings: Map<string, string>
  /** `$CFG->forced_plugin_settings`; they override `config_plugins` rows. */
  forcedPluginSettings: Map<string, Map<string, string>>
  /** How the database was reached (the service's store may share it). */
  target: DatabaseTarget
  /** How long values read from the database may be reused (`read_reuse_ms`). */
  reuseMs: number
  /** Per-site memo space for the adapter's caches (keyed by the module that owns the entry). */
  memo: Map<string, unknown>
  close(): Promise<void>
}

/** Values that replace what config.php says (flags, environment). */
export interface MoodleOverrides {
  dbtype?: string
  dbhost?: string
  dbport?: number
  dbsocket?: string
  dbname?: string
  dbuser?: string
  dbpass?: string
  prefix?: string
  dbschema?: string
  wwwroot?: string
  dataroot?: string
}

export interface OpenMoodleOptions {
  /** The installation root or, on the `public` layout, its `public/` folder (`--moodle-dir`). */
  dirroot: string
  overrides?: MoodleOverrides
  /** A database given directly (the embedded demo); config.php is then not read. */
  database?: { target: DatabaseTarget; prefix: string; wwwroot: string; dataroot?: string }
  poolSize?: number
  /** `read_reuse_ms`; default 250. */
  reuseMs?: number
}

/** Thrown when the site cannot be located or its connection settings are incomplete. */
export class MoodleSetupError extends Error {
  override readonly name = 'MoodleSetupError'
}

/** Opens a Moodle site: reads config.php (unless a database is given), applies overrides, connects. */
export async function openMoodle(options: OpenMoodleOptions): Promise<Moodle> {
  const given = resolve(options.dirroot)
  if (options.database) {
    const { target, prefix, wwwroot, dataroot } = options.database
    const paths = { layout: 'classic' as const, root: given, dirroot: given }
    return assemble({ paths, target, prefix, wwwroot, dataroot, admin: 'admin', settings: new Map(), plugins: new Map(), reuseMs: options.reuseMs })
  }
  if (!existsSync(given)) throw new MoodleSetupError(`Moodle directory ${given} does not exist`)
  const paths = detectInstallLayout(given)
  const file = await readConfigPhp(paths.root)
  const o = options.overrides ?? {}
  const dbtype = o.dbtype ?? file.dbtype
  const wwwroot = (o.wwwroot ?? file.wwwroot)?.replace(/\/+$/, '')
  const missing = [
    !dbtype && 'dbtype (--db-type)',
    !wwwroot && 'wwwroot (--wwwroot)',
    !(o.dbname ?? file.dbname) && 'dbname (--db-name)',
  ].filter(Boolean)
  if (missing.length > 0) throw new MoodleSetupError(`config.php does not set ${missing.join(', ')}`)
  const prefix = o.prefix ?? file.prefix ?? ''
  if (!/^[A-Za-z0-9_]*$/.test(prefix)) throw new MoodleSetupError('the table prefix may hold only letters, digits and _')
  const target = databaseTarget(dbtype!, {
    host: o.dbhost ?? file.dbhost,
    port: o.dbport ?? file.dboptions.dbport,
    socket: o.dbsocket ?? file.dboptions.dbsocket,
    database: (o.dbname ?? file.dbname)!,
    user: o.dbuser ?? file.dbuser ?? '',
    password: o.dbpass ?? file.dbpass,
    schema: o.dbschema ?? file.dboptions.dbschema,
    ssl: file.dboptions.ssl,
    poolSize: options.poolSize ?? 10,
  })
  let dataroot = o.dataroot ?? file.dataroot
  if (dataroot && !isAbsolute(dataroot)) dataroot = resolve(paths.root, dataroot)
  return assemble({
    paths,
    target,
    prefix,
    wwwroot: wwwroot!,
    dataroot,
    admin: file.admin,
    settings: scalarSettings(file.settings),
    plugins: file.forcedPluginSettings,
    reuseMs: options.reuseMs,
  })
}

function assemble(parts: {
  paths: InstallPaths
  target: DatabaseTarget
  prefix: string
  wwwroot: string
  dataroot: string | undefined
  admin: string
  settings: Map<string, string>
  plugins: Map<string, Map<string, string>>
  reuseMs: number | undefined
}): Moodle {
  const database = openDatabase(parts.target, parts.prefix)
  return {
    db: database.db,
    target: parts.target,
    family: database.family,
    driver: database.driver,
    prefix: parts.prefix,
    dirroot: parts.paths.dirroot,
    root: parts.paths.root,
    layout: parts.paths.layout,
    dataroot: parts.dataroot,
    wwwroot: parts.wwwroot.replace(/\/+$/, ''),
    admin: parts.admin,
    forcedSettings: parts.settings,
    forcedPluginSettings: parts.plugins,
    reuseMs: parts.reuseMs ?? 250,
    memo: new Map(),
    close: database.close,
  }
}

/** config.php assignments that Moodle treats as forced settings: scalars only. */
const NOT_SETTINGS = new Set(['dbtype', 'dblibrary', 'dbhost', 'dbname', 'dbuser', 'dbpass', 'prefix', 'dboptions', 'forced_plugin_settings'])

function scalarSettings(settings: Map<string, PhpValue>): Map<string, string> {
  const out = new Map<string, string>()
  for (const [name, value] of settings) {
    if (NOT_SETTINGS.has(name) || value instanceof Map) continue
    out.set(name, phpToString(value))
  }
  return out
}

interface ConnectionParts {
  host: string | undefined
  port: number | undefined
  socket: string | undefined
  database: string
  user: string
  password: string | undefined
  schema: string | undefined
  ssl: string | undefined
  poolSize: number
}

/** Maps Moodle's dbtype and dboptions to a connection, with Moodle's socket rules (moodle.md §1.3). */
function databaseTarget(dbtype: string, c: ConnectionParts): DatabaseTarget {
  const host = c.host && c.host.length > 0 ? c.host : 'localhost'
  const port = c.port && c.port > 0 ? c.port : undefined
  const ssl = c.ssl !== undefined && c.ssl !== '' && c.ssl !== 'disable'
  if (dbtype === 'pgsql') {
    const local = host === 'localhost' || host === '127.0.0.1'
    const socketDir = c.socket && local ? (c.socket.includes('/') ? c.socket : '/var/run/postgresql') : undefined
    return {
      driver: 'postgres', host, port: port ?? 5432, socketDir, database: c.database, user: c.user,
      password: c.password, schema: c.schema || undefined, ssl, poolSize: c.poolSize,
    }
  }
  if (dbtype === 'mysqli' || dbtype === 'mariadb' || dbtype === 'auroramysql') {
    let socketPath = c.socket && /[/\\]/.test(c.socket) ? c.socket : undefined
    if (!socketPath && host === 'localhost') {
      socketPath = ['/run/mysqld/mysqld.sock', '/var/run/mysqld/mysqld.sock', '/tmp/mysql.sock'].find((p) => existsSync(p))
    }
    return {
      driver: 'mysql', host, port: port ?? 3306, socketPath, database: c.database, user: c.user,
      password: c.password, poolSize: c.poolSize,
    }
  }
  throw new MoodleSetupError(`dbtype '${dbtype}' is not supported (pgsql, mysqli, mariadb, auroramysql)`)
}

/** The connection target of an open site, for opening a second pool (the service's store). */
export function currentDatabaseTarget(moodle: Moodle): DatabaseTarget {
  return moodle.target
}
