/** Per-type admin settings section names (moodle.md §2.7). `<n>` is the plugin name. */
const SECTIONS: Record<string, string> = {
  mod: 'modsetting<n>', block: 'blocksetting<n>', filter: 'filtersetting<n>', format: 'formatsetting<n>',
  qtype: 'qtypesetting<n>', auth: 'authsetting<n>', enrol: 'enrolsettings<n>', editor: 'editorsettings<n>',
  repository: 'repositorysettings<n>', media: 'mediasetting<n>', message: 'messagesetting<n>',
  antivirus: 'antivirussettings<n>', availability: 'availabilitysetting<n>', customfield: 'customfieldsetting<n>',
  dataformat: 'dataformatsetting<n>', contenttype: 'contentbanksetting<n>', fileconverter: 'fileconverter<n>',
  paygw: 'paymentgateway<n>', plagiarism: 'plagiarism<n>', search: 'searchsetting<n>',
  mlbackend: 'mlbackendsettings<n>', webservice: 'webservicesetting<n>', smsgateway: 'smsgateway<n>',
  calendartype: 'calendartype_<n>_settings', aiplacement: 'aiplacement_<n>', aiprovider: 'aiprovider_<n>',
  communication: 'communication_<n>', qbank: 'qbank_<n>', logstore: 'logsetting<n>', factor: 'factor_<n>',
  atto: 'atto_<n>_settings', tiny: 'tiny_<n>_settings', assignsubmission: 'assignsubmission_<n>',
  assignfeedback: 'assignfeedback_<n>', bbbext: 'bbbext_<n>', ltisource: 'ltisourcesetting<n>',
}

/** Types whose section exists only when the plugin has a `settings.php`. */
const NEEDS_SETTINGS_FILE = new Set(['enrol', 'tiny'])

/** The admin settings section of a plugin, or null where the plugin type defines none. */
export function settingsSectionOf(type: string, name: string, hasSettingsFile: boolean): string | null {
  const pattern = SECTIONS[type]
  if (!pattern) return null
  if (NEEDS_SETTINGS_FILE.has(type) && !hasSettingsFile) return null
  return pattern.replace('<n>', name)
}
