import { constants } from 'node:fs'
import { access, readFile } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { sql } from 'kysely'
import { openMoodle, type MoodleOverrides } from '../moodle.ts'
import { parseVersionPhp } from '../php/parse-version-php.ts'
import { readCoreSettings } from './read-settings.ts'

/** One line of `doctor`'s table. */
export interface MoodleCheck {
  check: string
  /** `warn`: not needed by the read API (only by jobs). */
  status: 'ok' | 'warn' | 'fail'
  detail: string
}

/**
 * Checks a Moodle install from the service's point of view: config.php readable by the subset
 * parser, database reachable, table prefix right, versions on disk and in the database, directory
 * readability, a PHP CLI on PATH (needed only for jobs).
 */
export async function checkMoodle(dir: string, overrides: MoodleOverrides = {}, phpBinary = 'php'): Promise<MoodleCheck[]> {
  const out: MoodleCheck[] = []
  const add = (check: string, ok: boolean, detail: string, whenMissing: 'warn' | 'fail' = 'fail') =>
    out.push({ check, status: ok ? 'ok' : whenMissing, detail })
  let moodle
  try {
    moodle = await openMoodle({ dirroot: dir, overrides, poolSize: 1 })
    add('config.php', true, `${join(moodle.root, 'config.php')} read; dbtype and wwwroot set`)
    add('install layout', true, moodle.layout === 'public'
      ? `public (Moodle 5.1+): root ${moodle.root}, code in ${moodle.dirroot}`
      : `classic: root and code in ${moodle.dirroot}`)
  } catch (error) {
    add('config.php', false, (error as Error).message)
    return out
  }
  try {
    await sql`SELECT 1`.execute(moodle.db)
    add('database connection', true, `${moodle.family} via ${moodle.driver}`)
    const settings = await readCoreSettings(moodle, ['version', 'release'])
    add('table prefix', true, `'${moodle.prefix}': ${moodle.prefix}config answers`)
    add('Moodle version (database)', settings.has('version'), `${settings.get('release') ?? '?'} (${settings.get('version') ?? '?'})`)
  } catch (error) {
    add('database connection', false, describeDbError(error))
  } finally {
    await moodle.close()
  }
  const { dirroot } = moodle
  try {
    const root = parseVersionPhp(await readFile(join(dirroot, 'version.php'), 'utf8'), 'version.php').core
    add('Moodle version (code)', root?.versionText !== undefined, `${root?.release ?? '?'} (${root?.versionText ?? '?'}, branch ${root?.branch ?? '?'})`)
    const support = releaseSupport(root?.branch)
    add('Moodle release', support.ok, support.detail, 'warn')
  } catch (error) {
    add('Moodle version (code)', false, (error as Error).message)
  }
  add('install directory readable', await readable(join(dirroot, 'lib', 'components.json')), join(dirroot, 'lib', 'components.json'))
  if (moodle.dataroot) add('dataroot readable', await readable(moodle.dataroot, true), moodle.dataroot)
  else add('dataroot readable', false, 'dataroot is not set')
  const php = await onPath(phpBinary)
  add('php on PATH', php !== null, php ?? `${phpBinary} not found (needed only for jobs: upgrades, backups)`, 'warn')
  return out
}

/** Which supported release line a code branch (`$branch`, e.g. '405') belongs to (README "Supported Moodle releases"). */
function releaseSupport(branch: string | undefined): { ok: boolean; detail: string } {
  const n = Number(branch)
  if (!Number.isInteger(n) || n <= 0) return { ok: false, detail: 'branch unknown' }
  const name = `${Math.floor(n / 100)}.${n % 100}`
  if (n < 401) return { ok: false, detail: `${name}: older than 4.1 LTS, not supported` }
  if (n > 501) return { ok: false, detail: `${name}: newer than 5.1, not tested` }
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
