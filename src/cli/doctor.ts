import { envName, OPTIONS, type Config } from '../config/index.ts'
import { checkMoodle, PHP_PROBE_TIMEOUT_MS, type MoodleCheck, type PhpRunAs } from '../moodle/index.ts'
import { configFrom, fail, moodleOverridesOf, UsageError, type CommonFlags } from './common.ts'
import { chooseSite, sitesPlanOf, type SiteFlags } from './site-choice.ts'

/** Flags of `doctor`. */
export interface DoctorFlags extends CommonFlags {
  /** Also boot Moodle with the configured PHP as the configured user. */
  php?: boolean
}

/** Flags of `doctor` with a sites file. */
export interface DoctorSitesFlags extends DoctorFlags, SiteFlags {
  /** Every site of the sites file, one table. */
  all?: boolean
}

/** How long `doctor --all` waits for one site's checks (PHP's probe has its own 30 s on top). */
const SITE_TIMEOUT_MS = 30_000

/**
 * `doctor`: checks a Moodle install and prints a table, one line per check; a warning or failure
 * is followed by an indented `fix:` line. Exits 1 when a check fails, 0 otherwise (2: wrong use).
 * With a sites file: `--site ID` checks that site with its configuration (the same table), `--all`
 * every site in turn (one table, docs/sites.md).
 */
export async function doctorCommand(flags: DoctorSitesFlags): Promise<void> {
  let checks
  try {
    const config = await configFrom(flags)
    if (flags.all) return await doctorAll(config, flags)
    const site = await chooseSite(config, flags, 'doctor (or doctor --all)')
    const target = site?.config ?? config
    if (!target.moodle_dir) throw new UsageError('--moodle-dir is required')
    checks = await checksOf(target, flags.php === true)
  } catch (error) {
    fail(error)
  }
  process.stdout.write(formatChecks(checks))
  process.exitCode = checks.some((c) => c.status === 'fail') ? 1 : 0
}

/** The checks of one configuration (a single site's, or a site's of the sites file). */
function checksOf(config: Config, php: boolean): Promise<MoodleCheck[]> {
  return checkMoodle(config.moodle_dir!, moodleOverridesOf(config), {
    phpBinary: config.php_binary,
    ...(php ? { php: { runAs: phpRunAsOf(config.php_run_as) } } : {}),
  })
}

/** `doctor --all`: every site in turn; one table; exit 1 when a site has a failed check. */
async function doctorAll(config: Config, flags: DoctorSitesFlags): Promise<void> {
  if (flags.site !== undefined) throw new UsageError('doctor takes --site ID or --all, not both')
  const plan = await sitesPlanOf(config, 'doctor --all')
  const results: SiteChecks[] = []
  for (const site of plan.sites) {
    const timeoutMs = SITE_TIMEOUT_MS + (flags.php ? PHP_PROBE_TIMEOUT_MS : 0)
    results.push({ site: site.id, checks: await withTimeout(checksOf(site.config, flags.php === true), timeoutMs, site.id) })
  }
  process.stdout.write(formatSiteChecks(results))
  // Exit at once: a site that did not answer in time may still hold a connection attempt open.
  process.exit(results.some((r) => r.checks.some((c) => c.status === 'fail')) ? 1 : 0)
}

interface SiteChecks {
  site: string
  checks: MoodleCheck[]
}

async function withTimeout(checks: Promise<MoodleCheck[]>, ms: number, site: string): Promise<MoodleCheck[]> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<MoodleCheck[]>((res) => {
    timer = setTimeout(() => res([{ check: 'doctor', status: 'fail', detail: `no answer within ${ms / 1000} s`, fix: { text: `run doctor --site ${site} to see which check hangs (often a database host that does not answer)` } }]), ms)
  })
  const outcome = await Promise.race([
    checks.catch((error: unknown) => [{ check: 'doctor', status: 'fail' as const, detail: `could not run the checks: ${oneLine(error)}` }]),
    late,
  ])
  clearTimeout(timer)
  return outcome
}

/**
 * The table of `doctor --all`: `SITE  STATUS  CHECK  DETAIL`; a site whose checks all pass is one
 * `ok` row, otherwise one row per warning or failure (the site id on each, for grep) with its
 * `fix:` line under the check; a last line counts the sites that fail.
 */
export function formatSiteChecks(results: readonly SiteChecks[]): string {
  const label = { ok: ' ok ', warn: 'WARN', fail: 'FAIL' }
  const rows: Array<{ cells: [string, string, string, string]; fix?: string }> = []
  for (const { site, checks } of results) {
    const problems = checks.filter((c) => c.status !== 'ok')
    if (problems.length === 0) rows.push({ cells: [site, label.ok, `${checks.length} checks`, 'all ok'] })
    for (const c of problems) {
      rows.push({ cells: [site, label[c.status], c.check, c.detail], ...(c.fix ? { fix: `fix: ${c.fix.text}${optionsOf(c.fix.options)}` } : {}) })
    }
  }
  const head: [string, string, string, string] = ['SITE', 'STATUS', 'CHECK', 'DETAIL']
  const width = (i: number) => Math.max(head[i]!.length, ...rows.map((r) => r.cells[i]!.length))
  const [w0, w1, w2] = [width(0), width(1), width(2)]
  const line = (c: readonly string[]) => `${c[0]!.padEnd(w0)}  ${c[1]!.padEnd(w1)}  ${c[2]!.padEnd(w2)}  ${c[3]}`.trimEnd()
  let out = `${line(head)}
`
  for (const r of rows) {
    out += `${line(r.cells)}
`
    if (r.fix) out += `${' '.repeat(w0 + w1 + 4)}${r.fix}
`
  }
  const failing = results.filter((r) => r.checks.some((c) => c.status === 'fail')).map((r) => r.site)
  out += failing.length === 0
    ? `${results.length} of ${results.length} sites pass
`
    : `${results.length - failing.length} of ${results.length} sites pass; failing: ${failing.join(', ')}
`
  return out
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').replace(/password=\S+/gi, 'password=***').slice(0, 300)
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
