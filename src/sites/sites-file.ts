import { isAbsolute } from 'node:path'
import { parse as parseYaml, YAMLParseError } from 'yaml'
import { z } from 'zod'
import { ConfigError, OPTIONS, parseConfig, type Config, type OptionName } from '../config/index.ts'

/**
 * Options that belong to the process, not to a site: where it listens, how it logs, the shared
 * store and the job scheduler. A site entry that sets one of them is refused.
 */
export const PROCESS_OPTIONS: ReadonlySet<OptionName> = new Set<OptionName>([
  'host', 'port', 'ops_listen', 'log_level', 'log_format', 'state_url', 'state_prefix',
  'job_concurrency', 'job_workers', 'job_lease_s', 'moodle_dir', 'sites', 'sites_idle_close_s', 'sites_max_open', 'sites_job_concurrency',
])

/** One site of a sites file, its configuration already merged over the process configuration. */
export interface SiteEntry {
  readonly id: string
  readonly moodleDir: string
  /** Lower-case host names (optionally `name:port`) matched against `Host` / trusted `X-Forwarded-Host`; empty: any host. */
  readonly hosts: readonly string[]
  /** `/a/b` (no trailing slash) or null: the site is reached below this path. */
  readonly pathPrefix: string | null
  /** The options this entry sets (names only: values may be secrets). */
  readonly overridden: readonly OptionName[]
  readonly config: Config
}

export interface SitesPlan {
  readonly sites: readonly SiteEntry[]
}

/** Thrown for a sites file that cannot be used; the message lists every problem and never a secret value. */
export class SitesFileError extends Error {
  override readonly name = 'SitesFileError'
}

const ID = /^[a-z0-9][a-z0-9_-]{0,62}$/
// A DNS name or an IPv4 address, optionally with a port; IPv6 literals in brackets.
const HOST = /^(?:(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/
const PREFIX_SEGMENT = /^[A-Za-z0-9._~-]+$/

const SiteSchema = z
  .object({
    id: z.string().regex(ID, 'must be 1–63 characters of a-z, 0-9, _ and -, starting with a letter or digit'),
    moodle_dir: z.string().min(1).refine((p) => isAbsolute(p), 'must be an absolute path'),
    hosts: z.array(z.string().min(1)).default([]),
    path_prefix: z.string().min(1).optional(),
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()

const FileSchema = z.object({ sites: z.array(z.unknown()).min(1, 'must list at least one site') }).strict()

/**
 * Reads a sites file's text (YAML or JSON) against the process configuration `base`: each site's
 * options are validated with the same schemas as the process's own and merged over them.
 * Throws SitesFileError listing every problem (by site id or position), never a value.
 */
export function parseSitesFile(text: string, source: string, base: Config): SitesPlan {
  let data: unknown
  try {
    data = parseYaml(text, { uniqueKeys: true })
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : ''
    throw new SitesFileError(`${source}: not valid YAML or JSON${where}`)
  }
  const file = FileSchema.safeParse(data)
  if (!file.success) {
    throw new SitesFileError(`${source}: ${file.error.issues.map((i) => `${i.path.join('.') || 'top level'}: ${i.message}`).join('; ')}`)
  }
  const problems: string[] = []
  const sites: SiteEntry[] = []
  file.data.sites.forEach((raw, index) => {
    const label = typeof (raw as { id?: unknown })?.id === 'string' ? `site "${(raw as { id: string }).id}"` : `sites[${index}]`
    const entry = SiteSchema.safeParse(raw)
    if (!entry.success) {
      for (const issue of entry.error.issues) problems.push(`${label}: ${issue.path.join('.') || 'entry'}: ${issue.message}`)
      return
    }
    const site = entry.data
    const hosts = site.hosts.map((h) => h.trim().toLowerCase().replace(/\.$/, ''))
    for (const h of hosts) if (!HOST.test(h)) problems.push(`${label}: hosts: "${h}" is not a host name`)
    const prefix = site.path_prefix === undefined ? null : normalisePrefix(site.path_prefix)
    if (prefix === undefined) problems.push(`${label}: path_prefix must be a path like /school-a (segments of letters, digits, . _ ~ -)`)
    if (hosts.length === 0 && prefix === null) problems.push(`${label}: needs hosts, path_prefix or both`)
    const overridden: OptionName[] = []
    for (const name of Object.keys(site.options)) {
      if (!Object.hasOwn(OPTIONS, name)) problems.push(`${label}: options.${name}: unknown option`)
      else if (PROCESS_OPTIONS.has(name as OptionName)) problems.push(`${label}: options.${name}: belongs to the process, not to a site`)
      else overridden.push(name as OptionName)
    }
    let config: Config | null = null
    try {
      config = parseConfig({ ...base, ...site.options, moodle_dir: site.moodle_dir })
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      for (const line of error.message.split('\n').slice(1)) problems.push(`${label}: options: ${line.trim()}`)
    }
    if (config && prefix !== undefined) {
      sites.push({ id: site.id, moodleDir: site.moodle_dir, hosts, pathPrefix: prefix, overridden, config })
    }
  })
  problems.push(...conflicts(sites))
  if (problems.length > 0) throw new SitesFileError(`${source}: invalid sites file\n  ${problems.join('\n  ')}`)
  return { sites }
}

/** `/a/b/` → `/a/b`; undefined when it is not a clean absolute path. */
function normalisePrefix(prefix: string): string | null | undefined {
  const trimmed = prefix.replace(/\/+$/, '')
  if (trimmed === '') return null // `/`: the whole host
  if (!trimmed.startsWith('/')) return undefined
  const segments = trimmed.slice(1).split('/')
  return segments.every((s) => PREFIX_SEGMENT.test(s) && s !== '.' && s !== '..') ? trimmed : undefined
}

/** Duplicate ids, and two sites that would answer the same request. */
function conflicts(sites: readonly SiteEntry[]): string[] {
  const problems: string[] = []
  const ids = new Set<string>()
  const routes = new Map<string, string>()
  for (const site of sites) {
    if (ids.has(site.id)) problems.push(`site "${site.id}": the id is used twice`)
    ids.add(site.id)
    for (const host of site.hosts.length > 0 ? site.hosts : ['*']) {
      const key = `${host} ${site.pathPrefix ?? '/'}`
      const other = routes.get(key)
      if (other !== undefined && other !== site.id) {
        problems.push(`site "${site.id}": ${host === '*' ? 'any host' : host}${site.pathPrefix ?? ''} is already site "${other}"`)
      }
      routes.set(key, site.id)
    }
  }
  return problems
}
