import type { Moodle } from '../moodle.ts'
import { recheck } from '../recheck.ts'
import { dbInt } from '../../shared/db-integer.ts'
import { readCoreSettings, readPluginSettingsWhere } from './read-settings.ts'

/** What MooPanel shows about a site (moopanel-api.md §4.1, §4.2). */
export interface SiteIdentity {
  url: string
  fullname: string
  shortname: string
  logoUrl: string | null
  logoCompactUrl: string | null
  theme: string | null
  release: string | null
}

const CONTEXT_SYSTEM = 10

/** The site's names, theme, release and logo URLs (re-read at most every 250 ms). */
export function getSiteIdentity(moodle: Moodle): Promise<SiteIdentity> {
  return recheck(moodle, 'site-identity', () => readSiteIdentity(moodle))
}

async function readSiteIdentity(moodle: Moodle): Promise<SiteIdentity> {
  const [settings, site, systemContextId, logos] = await Promise.all([
    readCoreSettings(moodle, ['theme', 'release', 'themerev', 'themedesignermode', 'slasharguments']),
    moodle.db
      .selectFrom('mdl_course')
      .select(['fullname', 'shortname'])
      .where('category', '=', 0)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst(),
    findSystemContextId(moodle),
    readPluginSettingsWhere(moodle, ['logo', 'logocompact']),
  ])
  const admin = logos.get('core_admin')
  const themeRevision = truthy(settings.get('themedesignermode')) ? '-1' : (settings.get('themerev') ?? '0')
  const slashArguments = settings.get('slasharguments') !== '0'
  const logo = (area: 'logo' | 'logocompact') =>
    logoUrl(moodle.wwwroot, systemContextId, area, themeRevision, admin?.get(area) ?? '', slashArguments)
  return {
    url: moodle.wwwroot,
    fullname: site?.fullname ?? '',
    shortname: site?.shortname ?? '',
    logoUrl: logo('logo'),
    logoCompactUrl: logo('logocompact'),
    theme: settings.get('theme') ?? null,
    release: settings.get('release') ?? null,
  }
}

/** The id of the system context (normally 1); it never changes once a site is installed. */
export function findSystemContextId(moodle: Moodle): Promise<number> {
  return recheck(moodle, 'system-context', () => readSystemContextId(moodle), 60_000)
}

async function readSystemContextId(moodle: Moodle): Promise<number> {
  const row = await moodle.db
    .selectFrom('mdl_context')
    .select('id')
    .where('contextlevel', '=', CONTEXT_SYSTEM)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst()
  return row ? dbInt(row.id) : 1
}

/**
 * Moodle's standard logo file URL (moopanel-api.md §4.1): 300x300 rendition, theme revision,
 * each path segment URL-encoded; the `?file=` form when slash arguments are off.
 */
export function logoUrl(
  wwwroot: string,
  systemContextId: number,
  area: 'logo' | 'logocompact',
  themeRevision: string,
  storedValue: string,
  slashArguments: boolean,
): string | null {
  const file = storedValue.replace(/^\/+/, '')
  if (file === '') return null
  const segments = [String(systemContextId), 'core_admin', area, '300x300', themeRevision, ...file.split('/')]
  const path = '/' + segments.map(encodeURIComponent).join('/')
  return slashArguments
    ? `${wwwroot}/pluginfile.php${path}`
    : `${wwwroot}/pluginfile.php?file=${encodeURIComponent(path)}`
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0'
}
