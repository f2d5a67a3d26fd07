import { join } from 'node:path'
import type { Moodle } from '../moodle.ts'
import type { CheckFix, MoodleCheck } from './moodle-check.ts'
import { ownerOf, userName } from './file-access-hint.ts'
import { debianPackagesOf, phpMinimumOf, phpVersionAtLeast, releaseName, requiredPhpExtensions } from './php-requirements.ts'
import { PHP_PROBE_TIMEOUT_MS, probePhpBootstrap, type PhpBootstrapReport } from './probe-php-bootstrap.ts'

/**
 * `doctor --php`: boots Moodle with the configured PHP as the configured user and turns the
 * report into check lines: the boot itself, PHP's version against the release's minimum, the
 * extensions the release needs, and whether that user can write to the dataroot.
 */
export async function phpChecks(moodle: Moodle, options: { phpBinary: string; branch: string | undefined; timeoutMs?: number }): Promise<MoodleCheck[]> {
  const timeoutMs = options.timeoutMs ?? PHP_PROBE_TIMEOUT_MS
  let report: PhpBootstrapReport
  try {
    report = await probePhpBootstrap(moodle, { phpBinary: options.phpBinary, timeoutMs })
  } catch (error) {
    return [{ check: 'PHP boots Moodle', status: 'fail', detail: `cannot run ${options.phpBinary}: ${(error as Error).message}`, fix: startFix(error) }]
  }
  const user = report.uid === null ? "PHP's user" : await userName(report.uid)
  const out: MoodleCheck[] = []
  if (report.booted) {
    out.push({ check: 'PHP boots Moodle', status: 'ok', detail: `${report.release ?? '?'} (${report.version ?? '?'}) with PHP ${report.phpVersion ?? '?'} as ${user}` })
  } else {
    const problem = report.timedOut ? `PHP did not finish within ${Math.round(timeoutMs / 1000)} s` : report.problem || `no output, exit code ${report.exitCode ?? '?'}`
    out.push({ check: 'PHP boots Moodle', status: 'fail', detail: `Moodle does not bootstrap: ${problem}`, fix: await bootFix(moodle, report, user) })
  }
  // No report line: this is not PHP, or it died before the probe's shutdown function.
  if (report.phpVersion === null) return out
  const release = options.branch === undefined ? '?' : releaseName(options.branch)
  const minimum = phpMinimumOf(options.branch)
  if (minimum === undefined) {
    out.push({ check: 'PHP version', status: 'warn', detail: `${report.phpVersion} (no PHP minimum known for Moodle ${release})`, fix: { text: "compare with the Moodle release notes' PHP requirement" } })
  } else if (phpVersionAtLeast(report.phpVersion, minimum)) {
    out.push({ check: 'PHP version', status: 'ok', detail: `${report.phpVersion} (Moodle ${release} needs ${minimum} or later)` })
  } else {
    out.push({
      check: 'PHP version',
      status: 'fail',
      detail: `${report.phpVersion}: Moodle ${release} needs PHP ${minimum} or later`,
      fix: { text: `install PHP ${minimum.replace(/\.0$/, '')} or later and point php_binary at its CLI`, options: ['php_binary'] },
    })
  }
  const needed = requiredPhpExtensions(options.branch, moodle.family === 'postgres' ? 'pgsql' : 'mysqli')
  const loaded = new Set(report.extensions)
  const missing = needed.filter((e) => !loaded.has(e))
  out.push(missing.length === 0
    ? { check: 'PHP extensions', status: 'ok', detail: `all ${needed.length} that Moodle ${release} needs are loaded` }
    : {
        check: 'PHP extensions',
        status: 'fail',
        detail: `missing: ${missing.join(', ')}`,
        fix: { text: extensionFix(missing), options: ['php_binary'] },
      })
  const dataroot = report.dataroot ?? moodle.dataroot
  if (dataroot) {
    out.push(report.datarootWritable
      ? { check: 'dataroot writable (PHP)', status: 'ok', detail: `${dataroot} by ${user}` }
      : { check: 'dataroot writable (PHP)', status: 'fail', detail: `${dataroot} is not writable by ${user}`, fix: await datarootFix(dataroot, user) })
  }
  return out
}

/** Which packages bring the missing extensions; those Debian builds into PHP itself only need enabling. */
function extensionFix(missing: readonly string[]): string {
  const packages = debianPackagesOf(missing).filter((p) => p !== 'php-cli')
  const builtIn = missing.filter((e) => debianPackagesOf([e])[0] === 'php-cli')
  const install = packages.length > 0 ? `install them for the PHP CLI in php_binary (Debian/Ubuntu: apt-get install ${packages.join(' ')})` : ''
  const enable = builtIn.length > 0 ? `${builtIn.join(', ')} ${builtIn.length === 1 ? 'is' : 'are'} part of Debian's PHP itself: enable ${builtIn.length === 1 ? 'it' : 'them'} in php.ini, or use a PHP built with ${builtIn.length === 1 ? 'it' : 'them'}` : ''
  return [install, enable].filter(Boolean).join('; ')
}

/** PHP could not be started, or not as the configured user. */
function startFix(error: unknown): CheckFix {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT' || code === 'EACCES') {
    return { text: "install PHP's command line (Debian/Ubuntu: apt-get install php-cli), or point php_binary at it", options: ['php_binary'] }
  }
  return { text: 'run doctor as root or as the dataroot\'s owner, or set php_run_as (auto, self, owner or uid:gid)', options: ['php_run_as'] }
}

/** What to do when Moodle did not boot, from the first line of what stopped it. */
async function bootFix(moodle: Moodle, report: PhpBootstrapReport, user: string): Promise<CheckFix> {
  const problem = report.problem ?? ''
  const config = join(moodle.root, 'config.php')
  if (report.timedOut) {
    return { text: 'check that the database server answers PHP (config.php\'s settings) and that no script waits for input or a lock' }
  }
  if (/requires at least PHP (\d+\.\d+)/.test(problem)) {
    const need = /requires at least PHP (\d+\.\d+)/.exec(problem)![1]
    return { text: `install PHP ${need} or later and point php_binary at its CLI (the web server's PHP may be another one)`, options: ['php_binary'] }
  }
  if (/dataroot is not writable/.test(problem)) return datarootFix(report.dataroot ?? moodle.dataroot ?? '$CFG->dataroot', user)
  if (/dataroot is not (configured properly|specified)/.test(problem)) {
    return { text: `create the folder $CFG->dataroot names in ${config}, owned by ${user} (Moodle's files belong to the web server's user)` }
  }
  if (/wwwroot is not configured/.test(problem)) return { text: `set $CFG->wwwroot in ${config}` }
  if (/database connection failed|dbconnectionfailed/i.test(problem)) {
    return {
      text: `PHP reads the database settings from ${config} only (the service's db_* options do not reach it): correct $CFG->dbhost, dbname, dbuser and dbpass there`,
    }
  }
  if (/Failed opening required '([^']*config\.php)'/.test(problem)) {
    const owner = await ownerOf(config)
    return {
      text: owner
        ? `${user} cannot read ${config} (owner ${owner.user}:${owner.group}, mode ${owner.mode}): give it to a group of ${user} with chmod g+r (Moodle's installer writes it 0640), or set php_run_as to a user that can`
        : `${user} cannot read ${config}: give it read access, or set php_run_as to a user that can`,
      options: ['php_run_as'],
    }
  }
  if (/Failed opening required/.test(problem)) {
    return { text: `${user} cannot read a file config.php requires (lib/setup.php): moodle_dir must be a complete Moodle code folder, readable by ${user}`, options: ['moodle_dir'] }
  }
  if (/syntax error|Parse error/i.test(problem)) return { text: `${config} is not valid PHP: check it with php -l ${config}` }
  if (/^Call to undefined function|undefined function/i.test(problem)) {
    return { text: 'a PHP extension Moodle needs is missing (see the extension check): install it for php_binary', options: ['php_binary'] }
  }
  return { text: `run a Moodle CLI script as ${user} to see the whole message: php ${join(moodle.dirroot, moodle.admin, 'cli', 'checks.php')}` }
}

/** The dataroot must belong to (or be writable by) PHP's user. */
async function datarootFix(dataroot: string, user: string): Promise<CheckFix> {
  const owner = await ownerOf(dataroot)
  const now = owner ? ` (now ${owner.user}:${owner.group}, mode ${owner.mode})` : ''
  return {
    text: `Moodle must be able to write to ${dataroot}${now}: chown -R ${user} ${dataroot}, or set php_run_as to the user that owns it (the web server's user)`,
    options: ['php_run_as'],
  }
}
