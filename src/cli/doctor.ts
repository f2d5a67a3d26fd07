import { envName, OPTIONS } from '../config/index.ts'
import { checkMoodle, type MoodleCheck, type PhpRunAs } from '../moodle/index.ts'
import { configFrom, fail, UsageError, type CommonFlags } from './common.ts'

/** Flags of `doctor`. */
export interface DoctorFlags extends CommonFlags {
  /** Also boot Moodle with the configured PHP as the configured user. */
  php?: boolean
}

/**
 * `doctor`: checks a Moodle install and prints a table, one line per check; a warning or failure
 * is followed by an indented `fix:` line. Exits 1 when a check fails, 0 otherwise (2: wrong use).
 */
export async function doctorCommand(flags: DoctorFlags): Promise<void> {
  let checks
  try {
    const config = await configFrom(flags)
    if (!config.moodle_dir) throw new UsageError('--moodle-dir is required')
    checks = await checkMoodle(
      config.moodle_dir,
      { dbtype: config.db_type, dbhost: config.db_host, dbport: config.db_port, dbsocket: config.db_socket, dbname: config.db_name,
        dbuser: config.db_user, dbpass: config.db_pass, prefix: config.db_prefix, dbschema: config.db_schema,
        wwwroot: config.wwwroot, dataroot: config.dataroot },
      { phpBinary: config.php_binary, ...(flags.php ? { php: { runAs: phpRunAsOf(config.php_run_as) } } : {}) },
    )
  } catch (error) {
    fail(error)
  }
  process.stdout.write(formatChecks(checks))
  process.exitCode = checks.some((c) => c.status === 'fail') ? 1 : 0
}

/** The table: `STATUS  check  detail`, and under a warning or failure `fix: …` aligned with the check column. */
export function formatChecks(checks: readonly MoodleCheck[]): string {
  const width = Math.max(...checks.map((c) => c.check.length))
  const label = { ok: ' ok ', warn: 'WARN', fail: 'FAIL' }
  let out = ''
  for (const c of checks) {
    out += `${label[c.status]}  ${c.check.padEnd(width)}  ${c.detail}\n`
    if (c.status !== 'ok' && c.fix) out += `      fix: ${c.fix.text}${optionsOf(c.fix.options)}\n`
  }
  return out
}

/** ` (option db_pass / MOODLE_BRIDGE_DB_PASS; …)`: the options by their config-file name and environment variable. */
function optionsOf(options: readonly string[] | undefined): string {
  const known = (options ?? []).filter((o) => o in OPTIONS)
  if (known.length === 0) return ''
  return ` [${known.length === 1 ? 'option' : 'options'} ${known.map((o) => `${o} / ${envName(o)}`).join(', ')}]`
}

/** `php_run_as` as the Moodle adapter takes it (`uid:gid` or a keyword). */
function phpRunAsOf(value: string): PhpRunAs {
  const ids = /^(\d+):(\d+)$/.exec(value)
  return ids ? { uid: Number(ids[1]), gid: Number(ids[2]) } : (value as 'auto' | 'self' | 'owner')
}
