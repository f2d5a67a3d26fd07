import type { Config } from '../config/index.ts'
import { countUnfinishedJobs, listJobs, type JobDetail } from '../jobs/index.ts'
import type { Store } from '../store/index.ts'
import { configFrom, fail, UsageError, type CommonFlags } from './common.ts'
import { withSharedStore } from './open-store.ts'
import { oneLine, probeSite, type SiteProbe } from './probe-site.ts'
import { sitesPlanOf } from './site-choice.ts'

type ListFlags = CommonFlags & { json?: boolean; timeout?: string }

/** One row of `sites list` (and its `--json` line). */
export interface SiteRow extends SiteProbe {
  id: string
  hosts: string[]
  path_prefix: string | null
  /** From the shared store (`state_url`); null without one or when it does not answer. */
  jobs: { unfinished: number; last_failed: FailedJob | null } | null
}

interface FailedJob {
  id: number
  type: string
  finished_at: string | null
  summary: string | null
}

/**
 * `sites list`: one row per site of the sites file, each probed in turn (config.php, version.php,
 * database, within `--timeout` seconds; a broken site never stops the listing), with its unfinished
 * and last failed job when the shared store answers. Exit 0, or 1 when a site is broken (2: wrong use).
 */
export async function sitesListCommand(flags: ListFlags): Promise<void> {
  let rows: SiteRow[]
  let storeProblem: string | null = null
  try {
    const timeoutS = flags.timeout === undefined ? 5 : Number(flags.timeout)
    if (!Number.isFinite(timeoutS) || timeoutS < 0.1 || timeoutS > 600) throw new UsageError('--timeout takes seconds, from 0.1 to 600')
    const config = await configFrom(flags)
    const plan = await sitesPlanOf(config, 'sites list')
    rows = []
    for (const site of plan.sites) {
      rows.push({ id: site.id, hosts: [...site.hosts], path_prefix: site.pathPrefix, ...(await probeSite(site.config, timeoutS * 1000)), jobs: null })
    }
    if (config.state_url) {
      storeProblem = await addJobs(config, rows, timeoutS * 1000)
    }
  } catch (error) {
    fail(error)
  }
  if (flags.json) {
    for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`)
  } else {
    process.stdout.write(formatRows(rows))
  }
  if (storeProblem) process.stderr.write(`moodle-bridge: the shared store did not answer (no job counts): ${storeProblem}\n`)
  // Exit at once: a site that did not answer in time may still hold a connection attempt open.
  process.exit(rows.some((r) => r.state === 'broken') ? 1 : 0)
}

/** Fills in each site's jobs from the shared store; the reason when it does not answer. */
async function addJobs(config: Config, rows: SiteRow[], timeoutMs: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<string>((res) => (timer = setTimeout(() => res(`no answer within ${timeoutMs / 1000} s`), timeoutMs)))
  const read = withSharedStore(config, async (shared) => {
    for (const row of rows) row.jobs = await jobsOf(shared.forSite(row.id))
    return null
  }).catch((error: unknown) => oneLine(error, config))
  try {
    return await Promise.race([read, late])
  } finally {
    clearTimeout(timer)
  }
}

/** A site's unfinished jobs and its newest failed one (among its newest 1,000 ended jobs). */
async function jobsOf(store: Store): Promise<SiteRow['jobs']> {
  const unfinished = await countUnfinishedJobs(store)
  const ended = await listJobs(store, { states: ['reporting', 'finished'], limit: 1000 })
  const failed: JobDetail | undefined = ended.find((j) => j.outcome === 'failure')
  return {
    unfinished,
    last_failed: failed
      ? { id: failed.id, type: failed.type, finished_at: failed.finishedAtMs === null ? null : utc(failed.finishedAtMs), summary: failed.summary === null ? null : cut(failed.summary, 200) }
      : null,
  }
}

/** The people's table: `ID  REACHED AT  STATE  RELEASE  VERSION  JOBS  LAST FAILED JOB  LAST ERROR`. */
export function formatRows(rows: readonly SiteRow[]): string {
  const head = ['ID', 'REACHED AT', 'STATE', 'RELEASE', 'VERSION', 'UNFINISHED', 'LAST FAILED JOB', 'LAST ERROR']
  const cells = rows.map((r) => [
    r.id,
    reachedAt(r),
    r.state,
    r.release ?? '—',
    r.version ?? '—',
    r.jobs ? String(r.jobs.unfinished) : '—',
    r.jobs?.last_failed ? `${r.jobs.last_failed.id} ${r.jobs.last_failed.type} ${r.jobs.last_failed.finished_at ?? ''}`.trim() : '—',
    r.error ? cut(r.error, 100) : '—',
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  ').trimEnd()
  const broken = rows.filter((r) => r.state === 'broken').length
  return `${[line(head), ...cells.map(line)].join('\n')}\n${rows.length} sites, ${broken} broken\n`
}

/** The hosts (comma-separated; `*` for any host) followed by the path prefix, if any. */
function reachedAt(row: SiteRow): string {
  const hosts = row.hosts.length === 0 ? '*' : row.hosts.join(',')
  return `${hosts}${row.path_prefix ?? ''}`
}

function utc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}

function cut(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ')
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`
}
