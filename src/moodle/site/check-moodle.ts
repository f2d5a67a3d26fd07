import { constants, existsSync } from 'node:fs'
import { access, readFile } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { sql } from 'kysely'
import { setPhpRunAs, type PhpRunAs } from '../cli-scripts/spawn-php.ts'
import { openMoodle, type Moodle, type MoodleOverrides } from '../moodle.ts'
import { parseVersionPhp } from '../php/parse-version-php.ts'
import { PhpSubsetError } from '../php/php-subset-error.ts'
import { configFix, databaseFix, prefixFix } from './check-fixes.ts'
import { readAccessFix } from './file-access-hint.ts'
import type { CheckFix, MoodleCheck } from './moodle-check.ts'
import { phpChecks } from './php-checks.ts'
import { readCoreSettings } from './read-settings.ts'

export type { CheckFix, MoodleCheck } from './moodle-check.ts'

/** Options of `checkMoodle`. */
export interface CheckMoodleOptions {
  /** PHP CLI (`php_binary`), default `php`. */
  phpBinary?: string
  /** Also boot Moodle with that PHP, as this identity (`doctor --php`, `php_run_as`). */
  php?: { runAs: PhpRunAs; timeoutMs?: number }
}

/**
 * Checks a Moodle install from the service's point of view: config.php readable by the subset
 * parser, database reachable, table prefix right, versions on disk and in the database, directory
 * readability, a PHP CLI on PATH (needed only for jobs); with `php`, whether Moodle boots with that
 * PHP as that user. Every warning and failure carries its fix.
 */
export async function checkMoodle(dir: string, overrides: MoodleOverrides = {}, options: CheckMoodleOptions = {}): Promise<MoodleCheck[]> {
  const phpBinary = options.phpBinary ?? 'php'
  const out: MoodleCheck[] = []
  const add = (check: string, ok: boolean, detail: string, fix?: CheckFix, whenMissing: 'warn' | 'fail' = 'fail') =>
    out.push({ check, status: ok ? 'ok' : whenMissing, detail, ...(!ok && fix ? { fix } : {}) })
  let moodle: Moodle
  try {
    moodle = await openMoodle({ dirroot: dir, overrides, poolSize: 1 })
    add('config.php', true, `${join(moodle.root, 'config.php')} read; dbtype and wwwroot set`)
    add('install layout', true, moodle.layout === 'public'
      ? `public (Moodle 5.1+): root ${moodle.root}, code in ${moodle.dirroot}`
      : `classic: root and code in ${moodle.dirroot}`)
  } catch (error) {
    add('config.php', false, (error as Error).message, await configFix(error))
    if (options.php) {
      add('PHP boots Moodle', false, 'not tried: the service must read config.php first', { text: 'fix config.php (above), then run doctor --php again' }, 'warn')
    }
    return out
  }
  try {
    await sql`SELECT 1`.execute(moodle.db)
    add('database connection', true, `${moodle.family} via ${moodle.driver}`)
    try {
      const settings = await readCoreSettings(moodle, ['version', 'release'])
      add('table prefix', true, `'${moodle.prefix}': ${moodle.prefix}config answers`)
      add('Moodle version (database)', settings.has('version'), `${settings.get('release') ?? '?'} (${settings.get('version') ?? '?'})`, {
        text: `${moodle.prefix}config has no version row: is the Moodle installation finished (admin/cli/install_database.php), and is this its database and prefix?`,
        options: ['db_name', 'db_prefix'],
      })
    } catch (error) {
      add('table prefix', false, describeDbError(error), prefixFix(error, moodle.prefix))
    }
  } catch (error) {
    add('database connection', false, describeDbError(error), databaseFix(error, moodle))
  } finally {
    await moodle.close()
  }
  const { dirroot } = moodle
  let branch: string | undefined
  try {
    const root = parseVersionPhp(await readFile(join(dirroot, 'version.php'), 'utf8'), 'version.php').core
    branch = root?.branch
    add('Moodle version (code)', root?.versionText !== undefined, `${root?.release ?? '?'} (${root?.versionText ?? '?'}, branch ${root?.branch ?? '?'})`, {
      text: `${join(dirroot, 'version.php')} does not set $version: moodle_dir must name the Moodle code folder`,
      options: ['moodle_dir'],
    })
    const support = releaseSupport(root?.branch)
    add('Moodle release', support.ok, support.detail, support.fix, 'warn')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    add('Moodle version (code)', false, (error as Error).message, code === 'EACCES' || code === 'EPERM'
      ? { text: await readAccessFix(join(dirroot, 'version.php'), 'read') }
      : error instanceof PhpSubsetError
        ? { text: `${join(dirroot, 'version.php')} is not Moodle's own: restore it from the release package` }
        : { text: `${join(dirroot, 'version.php')} is missing: moodle_dir must name the Moodle code folder`, options: ['moodle_dir'] })
  }
  const components = join(dirroot, 'lib', 'components.json')
  add('install directory readable', await readable(components), components, existsSync(components)
    ? { text: await readAccessFix(dirroot, 'read and enter') }
    : { text: `${components} is missing: moodle_dir must name the Moodle code folder (4.1 or later)`, options: ['moodle_dir'] })
  if (moodle.dataroot) {
    const ok = await readable(moodle.dataroot, true)
    add('dataroot readable', ok, moodle.dataroot, ok ? undefined : existsSync(moodle.dataroot)
      ? { text: await readAccessFix(moodle.dataroot, 'read and enter') }
      : { text: `${moodle.dataroot} does not exist: correct $CFG->dataroot in config.php (Moodle uses it too), or the service's dataroot option`, options: ['dataroot'] })
  } else {
    add('dataroot readable', false, 'dataroot is not set', { text: 'set $CFG->dataroot in config.php, or the dataroot option', options: ['dataroot'] })
  }
  const php = await onPath(phpBinary)
  add('php on PATH', php !== null, php ?? `${phpBinary} not found (needed only for jobs: upgrades, backups)`, {
    text: "install PHP's command line (Debian/Ubuntu: apt-get install php-cli), or set php_binary to its path",
    options: ['php_binary'],
  }, 'warn')
  if (options.php) {
    setPhpRunAs(moodle, options.php.runAs)
    out.push(...(await phpChecks(moodle, { phpBinary, branch, ...(options.php.timeoutMs !== undefined ? { timeoutMs: options.php.timeoutMs } : {}) })))
  }
  return out
}

/** Which supported release line a code branch (`$branch`, e.g. '405') belongs to (README "Supported Moodle releases"). */
function releaseSupport(branch: string | undefined): { ok: boolean; detail: string; fix?: CheckFix } {
  const n = Number(branch)
  if (!Number.isInteger(n) || n <= 0) return { ok: false, detail: 'branch unknown', fix: { text: 'version.php sets no $branch: moodle_dir must name the Moodle code folder', options: ['moodle_dir'] } }
  const name = `${Math.floor(n / 100)}.${n % 100}`
  if (n < 401) return { ok: false, detail: `${name}: older than 4.1 LTS, not supported`, fix: { text: 'upgrade Moodle to 4.1 LTS or later (moodle-bridge supports 4.1 to 5.1)' } }
  if (n > 501) return { ok: false, detail: `${name}: newer than 5.1, not tested`, fix: { text: 'use a moodle-bridge release that supports this Moodle release, or test the APIs you use on a copy of the site first' } }
  return { ok: true, detail: `${name}: supported (4.1 LTS to 5.1)` }
}

function describeDbError(error: unknown): string {
  const e = error as { code?: string; message?: string }
  return [e.code, e.message].filter(Boolean).join(': ').replace(/password=\S+/gi, 'password=***') || 'failed'
}

async function readable(path: string, directory = false): Promise<boolean> {
  return access(path, directory ? constants.R_OK | constants.X_OK : constants.R_OK).then(() => true, () => false)
}

async function onPath(binary: string): Promise<string | null> {
  if (binary.includes('/')) return (await readable(binary)) ? binary : null
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, binary)
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate
  }
  return null
}
