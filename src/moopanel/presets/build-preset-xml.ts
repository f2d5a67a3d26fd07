/**
 * The admin-preset XML document of moopanel-api.md §5.9, built from the settings Moodle's export
 * collects (moodle.md §10). Pure functions: the same input gives the same bytes, so that MooPanel's
 * text diff of two sites shows only real differences.
 */

/** One setting as the export helper reports it (`plugin` is `none` for core). */
export interface PresetSetting {
  plugin: string
  name: string
  value: string | null
  /** Companion settings (`<name>_adv`, `<name>_locked`, `<name>_flag`, minutes of a time) → value. */
  attributes: Record<string, string | null>
}

/** What the document says. */
export interface PresetDocument {
  name: string
  comments: string
  /** PRESET_DATE, Unix seconds. */
  createdAtSec: number
  siteUrl: string
  author: string
  /** Moodle's `version` and `release` settings. */
  moodleVersion: string
  moodleRelease: string
  settings: readonly PresetSetting[]
  /** Plugin type → plugin name → Moodle's enabled indicator. */
  plugins: Readonly<Record<string, Readonly<Record<string, string>>>>
}

/** MooPanel accepts 11 MB; the service refuses anything above 10 MiB (§5.9 step 4). */
export const PRESET_MAX_BYTES = 10 * 1024 * 1024

/** Setting names that look secret (§4.9): left out of exports unless sensitive settings are included. */
export const SECRET_SETTING_NAME = /pass|secret|key|token|salt/i

/** Moodle's 4.5 default `adminpresets/sensiblesettings` (moodle.md §10.3), used when the site has none. */
export const DEFAULT_SENSIBLE_SETTINGS: readonly string[] = [
  'recaptchapublickey@@none', 'recaptchaprivatekey@@none', 'googlemapkey3@@none', 'secretphrase@@url',
  'cronremotepassword@@none', 'smtpuser@@none', 'smtppass@@none', 'proxypassword@@none', 'quizpassword@@quiz',
  'allowedip@@none', 'blockedip@@none', 'dbpass@@logstore_database', 'messageinbound_hostpass@@none',
  'bind_pw@@auth_cas', 'pass@@auth_db', 'bind_pw@@auth_ldap', 'dbpass@@enrol_database', 'bind_pw@@enrol_ldap',
  'server_password@@search_solr', 'ssl_keypassword@@search_solr', 'alternateserver_password@@search_solr',
  'alternatessl_keypassword@@search_solr', 'test_password@@cachestore_redis', 'password@@mlbackend_python',
  'badges_badgesalt@@none', 'calendar_exportsalt@@none', 'bigbluebuttonbn_shared_secret@@none', 'apikey@@tiny_premium',
  'matrixaccesstoken@@communication_matrix', 'api_secret@@factor_sms',
]

/**
 * The settings that go into an export (§5.9 steps 1–2): the front page's `fullname`, `shortname`
 * and `summary` added as core settings when the export lacks them, and — unless `includeSensitive`
 * — every setting listed as `name@@plugin` in `sensible` (Moodle's list; spaces ignored) or whose
 * name matches the secret pattern left out.
 */
export function selectPresetSettings(
  settings: readonly PresetSetting[],
  options: { frontpage: { fullname: string; shortname: string; summary: string | null }; sensible: readonly string[]; includeSensitive: boolean },
): PresetSetting[] {
  const all = [...settings]
  const core = new Set(all.filter((s) => s.plugin === 'none').map((s) => s.name))
  for (const name of ['fullname', 'shortname', 'summary'] as const) {
    if (!core.has(name)) all.push({ plugin: 'none', name, value: options.frontpage[name], attributes: {} })
  }
  if (options.includeSensitive) return all
  const sensible = new Set(options.sensible.map((s) => s.replace(/\s+/g, '')).filter((s) => s !== ''))
  return all.filter((s) => !sensible.has(`${s.name}@@${s.plugin}`) && !SECRET_SETTING_NAME.test(s.name))
}

/** `Preset for MooPanel application created on DD.MM.YYYY - HH:MM:SS`, in `zone` (host zone when undefined). */
export function presetComment(createdAtSec: number, zone: string | undefined): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(createdAtSec * 1000))
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00'
  return `Preset for MooPanel application created on ${get('day')}.${get('month')}.${get('year')} - ${get('hour')}:${get('minute')}:${get('second')}`
}

/**
 * The §5.9 document: `<?xml …?>` and a newline, two-space indentation, inline text, empty values
 * as `<X></X>`, no newline after the root. Groups (`NONE` for core) sorted by element name,
 * settings by element name inside a group, attributes by name, plugin types and plugins by element
 * name (code-unit order, independent of locale). Element names are the ASCII-upper-cased names
 * with `/` → `__` (as Moodle writes them); any other character an XML name cannot hold becomes
 * `_`, so the document stays well-formed whatever a plugin calls its settings.
 */
export function buildPresetXml(doc: PresetDocument): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<PRESET>']
  const field = (tag: string, value: string) => lines.push(`  <${tag}>${escapeText(value)}</${tag}>`)
  field('NAME', doc.name)
  field('COMMENTS', doc.comments)
  field('PRESET_DATE', String(doc.createdAtSec))
  field('SITE_URL', doc.siteUrl)
  field('AUTHOR', doc.author)
  field('MOODLE_VERSION', doc.moodleVersion)
  field('MOODLE_RELEASE', doc.moodleRelease)

  const groups = new Map<string, PresetSetting[]>()
  for (const setting of doc.settings) {
    const tag = elementName(setting.plugin)
    groups.set(tag, [...(groups.get(tag) ?? []), setting])
  }
  if (groups.size > 0) {
    lines.push('  <ADMIN_SETTINGS>')
    for (const [group, settings] of [...groups].sort(([a], [b]) => compare(a, b))) {
      lines.push(`    <${group}>`, '      <SETTINGS>')
      const sorted = settings
        .map((s) => ({ s, tag: elementName(s.name) }))
        .sort((a, b) => compare(a.tag, b.tag) || compare(a.s.name, b.s.name) || compare(a.s.value ?? '', b.s.value ?? ''))
      for (const { s, tag } of sorted) lines.push(`        <${tag}${attributesOf(s.attributes)}>${escapeText(s.value ?? '')}</${tag}>`)
      lines.push('      </SETTINGS>', `    </${group}>`)
    }
    lines.push('  </ADMIN_SETTINGS>')
  }

  const types = Object.entries(doc.plugins)
    .filter(([, plugins]) => Object.keys(plugins).length > 0)
    .map(([type, plugins]) => [elementName(type), plugins] as const)
    .sort(([a], [b]) => compare(a, b))
  if (types.length > 0) {
    lines.push('  <PLUGINS>')
    for (const [type, plugins] of types) {
      lines.push(`    <${type}>`)
      const sorted = Object.entries(plugins).map(([name, state]) => [elementName(name), state] as const).sort(([a], [b]) => compare(a, b))
      for (const [name, state] of sorted) lines.push(`      <${name}>${escapeText(state)}</${name}>`)
      lines.push(`    </${type}>`)
    }
    lines.push('  </PLUGINS>')
  }
  lines.push('</PRESET>')
  return lines.join('\n')
}

/** Moodle's element name (`strtoupper`, `/` → `__`), made a valid XML name. */
export function elementName(name: string): string {
  const upper = name.replace(/[a-z]/g, (c) => c.toUpperCase()).replaceAll('/', '__')
  return xmlName(upper)
}

function xmlName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_')
  return /^[A-Za-z_]/.test(safe) ? safe : `_${safe}`
}

function attributesOf(attributes: Record<string, string | null>): string {
  return Object.entries(attributes)
    .map(([name, value]) => [xmlName(name), value] as const)
    .sort(([a], [b]) => compare(a, b))
    .filter(([name], i, all) => i === 0 || all[i - 1]![0] !== name)
    .map(([name, value]) => ` ${name}="${escapeAttribute(value ?? '')}"`)
    .join('')
}

/** Text content: CR/CRLF → LF, characters XML cannot carry removed, `&`, `<`, `>` escaped. */
export function escapeText(value: string): string {
  return clean(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function escapeAttribute(value: string): string {
  return escapeText(value).replace(/"/g, '&quot;')
}

/** Moodle's xml_writer removes control characters; lone surrogates and U+FFFE/U+FFFF are not XML either. */
function clean(value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
