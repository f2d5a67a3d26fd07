import { checkMoodle } from '../moodle/index.ts'
import { configFrom, fail, UsageError, type CommonFlags } from './common.ts'

/** `doctor`: checks a Moodle install and prints a table; exits 1 when a check fails. */
export async function doctorCommand(flags: CommonFlags): Promise<void> {
  let checks
  try {
    const config = await configFrom(flags)
    if (!config.moodle_dir) throw new UsageError('--moodle-dir is required')
    checks = await checkMoodle(
      config.moodle_dir,
      { dbtype: config.db_type, dbhost: config.db_host, dbport: config.db_port, dbsocket: config.db_socket, dbname: config.db_name,
        dbuser: config.db_user, dbpass: config.db_pass, prefix: config.db_prefix, dbschema: config.db_schema,
        wwwroot: config.wwwroot, dataroot: config.dataroot },
      config.php_binary,
    )
  } catch (error) {
    fail(error)
  }
  const width = Math.max(...checks.map((c) => c.check.length))
  const label = { ok: ' ok ', warn: 'WARN', fail: 'FAIL' }
  for (const c of checks) process.stdout.write(`${label[c.status]}  ${c.check.padEnd(width)}  ${c.detail}\n`)
  process.exitCode = checks.some((c) => c.status === 'fail') ? 1 : 0
}
