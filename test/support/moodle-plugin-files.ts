/** The files of one plugin directory in a test Moodle install, generated from its manifest entry. */
import type { PluginManifestEntry } from './fixtures.ts'
import { PHP_HEADER, phpDocBlock, phpMaturity, phpString, phpValue } from './php.ts'

/** Relative path (inside the plugin dir) → file content. */
export type PluginFiles = Record<string, string>

/** `version.php`: component and version always; other fields only when the manifest sets them. */
export function pluginVersionPhp(p: PluginManifestEntry): string {
  const lines = [
    `$plugin->version   = ${p.version};        // The current plugin version (Date: YYYYMMDDXX).`,
  ]
  if (p.requires !== null) lines.push(`$plugin->requires  = ${p.requires};        // Requires this Moodle version.`)
  lines.push(`$plugin->component = ${phpString(p.component)}; // Full name of the plugin (used for diagnostics).`)
  if (p.release !== null) lines.push(`$plugin->release   = ${phpString(p.release)};`)
  if (p.maturity !== null) lines.push(`$plugin->maturity  = ${phpMaturity(p.maturity)};`)
  const deps = Object.entries(p.dependencies)
  if (deps.length > 0) {
    const items = deps.map(([c, v]) => `    ${phpString(c)} => ${v === 'any' ? 'ANY_VERSION' : phpValue(v)},`)
    lines.push(`$plugin->dependencies = [\n${items.join('\n')}\n];`)
  }
  if (p.supported !== null && p.supported.length > 0) lines.push(`$plugin->supported = ${phpValue(p.supported)};`)
  if (p.incompatible !== null) lines.push(`$plugin->incompatible = ${phpValue(p.incompatible)};`)
  return `${PHP_HEADER}${phpDocBlock('Version details.', p.component)}
defined('MOODLE_INTERNAL') || die();

${lines.join('\n')}
`
}

/**
 * The English language file: the display-name string, with one string before it and one after it
 * (Moodle sorts strings alphabetically, so the name string is not always first).
 */
export function pluginLangPhp(p: PluginManifestEntry): string {
  return `${PHP_HEADER}${phpDocBlock(`Strings for component '${p.component}', language 'en'.`, p.component)}
$string['configintro'] = ${phpString(`Configure the plugin's settings for {$a}.`)};
$string[${phpString(p.display_name_key)}] = ${phpString(p.display_name)};
$string['privacy:metadata'] = ${phpString(`The ${p.display_name} plugin does not store any personal data.`)};
`
}

/** A small `settings.php` that adds one heading. */
export function pluginSettingsPhp(p: PluginManifestEntry): string {
  return `${PHP_HEADER}${phpDocBlock('Plugin administration pages are defined here.', p.component)}
defined('MOODLE_INTERNAL') || die();

if ($ADMIN->fulltree) {
    $settings->add(new admin_setting_heading(${phpString(`${p.component}/heading`)},
        get_string('pluginname', ${phpString(p.component)}), ''));
}
`
}

/** A minimal XMLDB `db/install.xml` with one table (named as Moodle usually does: `forum`, `block_xp`). */
export function pluginInstallXml(p: PluginManifestEntry): string {
  const path = `${p.dir.replace(/^\//, '')}/db`
  const table = p.type === 'mod' ? p.name : p.component
  const depth = '../'.repeat(path.split('/').length)
  return `<?xml version="1.0" encoding="UTF-8" ?>
<XMLDB PATH="${path}" VERSION="${String(p.version).slice(0, 8)}" COMMENT="XMLDB file for Moodle ${path.replace(/\/db$/, '')}"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:noNamespaceSchemaLocation="${depth}lib/xmldb/xmldb.xsd"
>
  <TABLES>
    <TABLE NAME="${table}" COMMENT="Test fixture table for ${p.component}">
      <FIELDS>
        <FIELD NAME="id" TYPE="int" LENGTH="10" NOTNULL="true" SEQUENCE="true"/>
      </FIELDS>
      <KEYS>
        <KEY NAME="primary" TYPE="primary" FIELDS="id"/>
      </KEYS>
    </TABLE>
  </TABLES>
</XMLDB>
`
}

/** Every generated file of one plugin (subplugins.json is added by the caller). */
export function pluginFiles(p: PluginManifestEntry): PluginFiles {
  const files: PluginFiles = { 'version.php': pluginVersionPhp(p) }
  if (p.has_lang) files[p.lang_file] = pluginLangPhp(p)
  if (p.has_settings) files['settings.php'] = pluginSettingsPhp(p)
  if (p.has_db_install) files['db/install.xml'] = pluginInstallXml(p)
  return files
}
