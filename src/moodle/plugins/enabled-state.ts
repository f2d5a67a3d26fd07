/** Database facts that decide whether plugins are enabled (moodle.md §2.8). */
export interface EnabledInputs {
  core: Map<string, string>
  /** plugin → setting → value, for the flag settings of `ENABLED_SETTING_NAMES` and `question`. */
  plugins: Map<string, Map<string, string>>
  /** kind → name → flag: `mod`/`block` visible, `message` enabled, `filter` system-context active,
   *  `repository` 1 per row, `portfolio` 1 when some instance is visible. */
  rows: Map<string, Map<string, number>>
  installed: Set<string>
}

/** Core settings read for enabled states. */
export const ENABLED_CORE_SETTINGS = [
  'auth', 'enrol_plugins_enabled', 'texteditors', 'media_plugins_sortorder', 'converter_plugins_sortorder',
  'paygw_plugins_sortorder', 'antiviruses', 'enablewebservices', 'webserviceprotocols', 'mnet_dispatcher_mode',
] as const

/** `config_plugins` names read for enabled states (plus every `question` setting). */
export const ENABLED_SETTING_NAMES = ['disabled', 'enabled', 'enabled_stores', 'disabledbehaviours'] as const

/**
 * Moodle's three-valued enabled state of a plugin: true, false, or null where the notion does not
 * apply. A plugin whose folder is missing is always false.
 */
export function enabledStateOf(type: string, name: string, onDisk: boolean, inputs: EnabledInputs): boolean | null {
  if (!onDisk) return false
  const component = `${type}_${name}`
  const installed = inputs.installed.has(component)
  const core = (key: string) => inputs.core.get(key) ?? ''
  const inList = (key: string) => listOf(core(key)).includes(name)
  const setting = (plugin: string, key: string) => inputs.plugins.get(plugin)?.get(key)
  const notDisabled = (plugin: string) => isEmpty(setting(plugin, 'disabled'))
  const row = (kind: string) => inputs.rows.get(kind)?.get(name)
  switch (type) {
    case 'auth':
      return name === 'manual' || name === 'nologin' || inList('auth')
    case 'enrol':
      return inList('enrol_plugins_enabled')
    case 'mod':
      return row('mod') === 1
    case 'block':
      return row('block') === 1
    case 'filter': {
      const active = row('filter')
      return active !== undefined && active !== -9999
    }
    case 'qtype':
      return installed && isEmpty(setting('question', `${name}_disabled`))
    case 'qbehaviour':
      return installed && !listOf(setting('question', 'disabledbehaviours') ?? '').includes(name)
    case 'qbank':
    case 'format':
    case 'availability':
    case 'customfield':
    case 'dataformat':
    case 'communication':
    case 'smsgateway':
    case 'tiny':
    case 'assignsubmission':
    case 'assignfeedback':
      return installed && notDisabled(component)
    case 'contenttype':
      return installed && notDisabled(`contentbank_${name}`)
    case 'editor': {
      const list = listOf(core('texteditors'))
      return (list.length > 0 ? list : ['atto', 'tinymce', 'textarea']).includes(name)
    }
    case 'repository':
      return row('repository') !== undefined
    case 'portfolio':
      return row('portfolio') === 1
    case 'message':
      return row('message') === 1
    case 'media':
      return installed && inList('media_plugins_sortorder')
    case 'fileconverter':
      return installed && inList('converter_plugins_sortorder')
    case 'paygw':
      return installed && inList('paygw_plugins_sortorder')
    case 'antivirus':
      return inList('antiviruses')
    case 'webservice':
      return !isEmpty(core('enablewebservices')) && inList('webserviceprotocols')
    case 'aiprovider':
    case 'aiplacement':
    case 'factor':
      return installed && setting(component, 'enabled') === '1'
    case 'tool':
    case 'h5plib':
      return true
    case 'mnetservice':
      return core('mnet_dispatcher_mode') === 'strict' ? null : false
    case 'logstore':
      return installed && listOf(setting('tool_log', 'enabled_stores') ?? '').includes(component)
    case 'bbbext':
      return installed && inputs.rows.get('mod')?.get('bigbluebuttonbn') === 1 && notDisabled(component)
    default:
      // report, theme, local, qformat, cachestore, atto, quiz, … and orphaned types: not applicable
      return null
  }
}

function listOf(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

function isEmpty(value: string | undefined): boolean {
  return value === undefined || value === '' || value === '0'
}
