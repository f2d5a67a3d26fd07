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
export async function checkMoodle(dirroot: string, overrides: MoodleOverrides = {}, phpBinary = 'php'): Promise<MoodleCheck[]> {
  const out: MoodleCheck[] = []
  const add = (check: string, ok: boolean, detail: string, whenMissing: 'warn' | 'fail' = 'fail') =>
    out.push({ check, status: ok ? 'ok' : whenMissing, detail })
  let moodle
  try {
    moodle = await openMoodle({ dirroot, overrides, poolSize: 1 })
    add('config.php', true, `${join(dirroot, 'config.php')} read; dbtype and wwwroot set`)
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
  try {
    const root = parseVersionPhp(await readFile(join(dirroot, 'version.php'), 'utf8'), 'version.php').core
    add('Moodle version (code)', root?.versionText !== undefined, `${root?.release ?? '?'} (${root?.versionText ?? '?'})`)
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
