import { MoodleSetupError, type Moodle } from '../moodle.ts'
import { PhpSubsetError } from '../php/php-subset-error.ts'
import { readAccessFix } from './file-access-hint.ts'
import type { CheckFix } from './moodle-check.ts'

/** The service option that replaces a config.php setting (src/config/options.ts). */
const OPTION_OF: Readonly<Record<string, string>> = {
  dbtype: 'db_type', dbhost: 'db_host', dbname: 'db_name', dbuser: 'db_user', dbpass: 'db_pass', prefix: 'db_prefix',
  "dboptions['dbport']": 'db_port', "dboptions['dbsocket']": 'db_socket', "dboptions['dbschema']": 'db_schema',
  wwwroot: 'wwwroot', dataroot: 'dataroot',
}

/** The fix for a config.php that openMoodle could not use. */
export async function configFix(error: unknown): Promise<CheckFix> {
  if (error instanceof PhpSubsetError) {
    const option = error.setting === undefined ? undefined : OPTION_OF[error.setting]
    const statement = error.setting === undefined ? 'that statement' : `$CFG->${error.setting}`
    return option
      ? { text: `write ${statement} as a plain value in ${error.file} (no getenv(), constants or concatenation), or give the value to the service`, options: [option] }
      : { text: `${error.file}: write ${statement} as a plain value, or move it into a file config.php does not need before lib/setup.php` }
  }
  const message = error instanceof Error ? error.message : String(error)
  const code = ((error as { cause?: NodeJS.ErrnoException }).cause ?? (error as NodeJS.ErrnoException)).code
  const file = /config file (\S+):/.exec(message)?.[1]
  if (file && (code === 'EACCES' || code === 'EPERM')) return { text: await readAccessFix(file, 'read') }
  if (file && code === 'ENOENT') return { text: 'moodle_dir must name the folder that holds config.php (or its public/ folder on Moodle 5.1+)', options: ['moodle_dir'] }
  if (error instanceof MoodleSetupError) {
    if (/does not exist/.test(message)) return { text: 'moodle_dir must name the folder that holds config.php', options: ['moodle_dir'] }
    const missing = ['dbtype', 'wwwroot', 'dbname'].filter((s) => new RegExp(`\\b${s}\\b`).test(message))
    if (missing.length > 0) {
      return { text: `set ${missing.map((s) => `$CFG->${s}`).join(', ')} in config.php (Moodle needs them too), or give them to the service`, options: missing.map((s) => OPTION_OF[s]!) }
    }
    if (/prefix/.test(message)) return { text: 'the table prefix ($CFG->prefix) may hold only letters, digits and _', options: ['db_prefix'] }
  }
  return { text: 'config.php must assign $CFG->dbtype, dbname, wwwroot and dataroot as plain values before requiring lib/setup.php' }
}

/** The fix for a database that does not answer. */
export function databaseFix(error: unknown, moodle: Moodle): CheckFix {
  const code = String((error as { code?: unknown }).code ?? '')
  const target = moodle.target.driver === 'pglite' ? { database: 'pglite', user: 'pglite' } : moodle.target
  const socket = 'socketDir' in target ? target.socketDir : 'socketPath' in target ? target.socketPath : undefined
  const host = 'host' in target ? target.host : undefined
  const port = 'port' in target ? target.port : undefined
  const where = socket ? `socket ${socket}` : `${host ?? 'localhost'}${port ? `:${port}` : ''}`
  if (['28P01', '28000', 'ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_NOT_SUPPORTED_AUTH_MODE'].includes(code)) {
    return {
      text: `the database refused user ${target.user ?? '?'} at ${where}: correct $CFG->dbuser / $CFG->dbpass in config.php (Moodle uses them too), or set them for the service`,
      options: ['db_user', 'db_pass'],
    }
  }
  if (['3D000', 'ER_BAD_DB_ERROR'].includes(code)) {
    return { text: `there is no database ${target.database ?? '?'} at ${where}: correct $CFG->dbname`, options: ['db_name'] }
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOENT', 'ECONNRESET'].includes(code)) {
    return {
      text: `no database server answered at ${where}: start it, or correct $CFG->dbhost and dboptions dbport / dbsocket`,
      options: ['db_host', 'db_port', 'db_socket'],
    }
  }
  return { text: `the database at ${where} failed: check the connection settings of config.php`, options: ['db_type', 'db_host', 'db_port', 'db_name', 'db_user', 'db_pass'] }
}

/** The fix for a database that answers but has no `<prefix>config` table. */
export function prefixFix(error: unknown, prefix: string): CheckFix {
  const code = String((error as { code?: unknown }).code ?? '')
  if (['42P01', 'ER_NO_SUCH_TABLE'].includes(code)) {
    return {
      text: `there is no table ${prefix}config: correct $CFG->prefix (and on PostgreSQL dboptions dbschema), or install Moodle into this database first`,
      options: ['db_prefix', 'db_schema'],
    }
  }
  return { text: `reading ${prefix}config failed: the database user needs SELECT on Moodle's tables`, options: ['db_user'] }
}
