import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { xmlProblem } from '../../../test/support/stand-in-panel.ts'
import { buildPresetXml, elementName, escapeText, presetComment, selectPresetSettings, type PresetDocument, type PresetSetting } from './build-preset-xml.ts'

const doc = (over: Partial<PresetDocument> = {}): PresetDocument => ({
  name: 'Moopanel',
  comments: 'Preset for MooPanel application created on 22.11.2026 - 09:15:00',
  createdAtSec: 1795338900,
  siteUrl: 'http://moodle.test',
  author: 'Moopanel App',
  moodleVersion: '2024100706',
  moodleRelease: '4.5.6 (Build: 20250811)',
  settings: [
    { plugin: 'none', name: 'fullname', value: 'Moodle Test Site', attributes: {} },
    { plugin: 'mod_forum', name: 'maxbytes', value: '512000', attributes: {} },
  ],
  plugins: { mod: { forum: '1' } },
  ...over,
})

describe('buildPresetXml', () => {
  it('writes the §5.9 example byte for byte', () => {
    assert.equal(
      buildPresetXml(doc()),
      `<?xml version="1.0" encoding="UTF-8"?>
<PRESET>
  <NAME>Moopanel</NAME>
  <COMMENTS>Preset for MooPanel application created on 22.11.2026 - 09:15:00</COMMENTS>
  <PRESET_DATE>1795338900</PRESET_DATE>
  <SITE_URL>http://moodle.test</SITE_URL>
  <AUTHOR>Moopanel App</AUTHOR>
  <MOODLE_VERSION>2024100706</MOODLE_VERSION>
  <MOODLE_RELEASE>4.5.6 (Build: 20250811)</MOODLE_RELEASE>
  <ADMIN_SETTINGS>
    <MOD_FORUM>
      <SETTINGS>
        <MAXBYTES>512000</MAXBYTES>
      </SETTINGS>
    </MOD_FORUM>
    <NONE>
      <SETTINGS>
        <FULLNAME>Moodle Test Site</FULLNAME>
      </SETTINGS>
    </NONE>
  </ADMIN_SETTINGS>
  <PLUGINS>
    <MOD>
      <FORUM>1</FORUM>
    </MOD>
  </PLUGINS>
</PRESET>`,
    )
  })

  it('sorts groups, settings, attributes and plugins, whatever the input order', () => {
    const settings: PresetSetting[] = [
      { plugin: 'backup', name: 'backup_general_users', value: '1', attributes: { backup_general_users_locked: '', a_adv: '1' } },
      { plugin: 'none', name: 'zeta', value: '', attributes: {} },
      { plugin: 'none', name: 'alpha', value: null, attributes: {} },
      { plugin: 'assignfeedback_editpdf/stamps', name: 'x', value: 'y', attributes: {} },
    ]
    const a = buildPresetXml(doc({ settings, plugins: { mod: { wiki: '1', assign: '0' }, filter: { tex: '-9999' } } }))
    const b = buildPresetXml(doc({ settings: [...settings].reverse(), plugins: { filter: { tex: '-9999' }, mod: { assign: '0', wiki: '1' } } }))
    assert.equal(a, b)
    assert.match(a, /<ASSIGNFEEDBACK_EDITPDF__STAMPS>[\s\S]*<BACKUP>[\s\S]*<NONE>\n {6}<SETTINGS>\n {8}<ALPHA><\/ALPHA>\n {8}<ZETA><\/ZETA>/)
    assert.match(a, /<BACKUP_GENERAL_USERS a_adv="1" backup_general_users_locked="">1<\/BACKUP_GENERAL_USERS>/)
    assert.match(a, /<FILTER>\n {6}<TEX>-9999<\/TEX>\n {4}<\/FILTER>\n {4}<MOD>\n {6}<ASSIGN>0<\/ASSIGN>\n {6}<WIKI>1<\/WIKI>/)
    assert.ok(!a.endsWith('\n'))
    assert.equal(xmlProblem(a), null)
  })

  it('escapes text and attributes, normalises line ends, drops characters XML cannot hold', () => {
    assert.equal(escapeText('a & b < c > d "e"\r\nf\rg\u0001\u0007h\ud800'), 'a &amp; b &lt; c &gt; d "e"\nf\ng' + 'h')
    const xml = buildPresetXml(
      doc({ settings: [{ plugin: 'none', name: 'summary', value: '<p>Tom & "Jerry"</p>\r\n', attributes: { 'summary_adv': 'x"<y' } }] }),
    )
    assert.match(xml, /<SUMMARY summary_adv="x&quot;&lt;y">&lt;p&gt;Tom &amp; "Jerry"&lt;\/p&gt;\n<\/SUMMARY>/)
    assert.equal(xmlProblem(xml), null)
  })

  it('makes every element name a valid XML name', () => {
    assert.equal(elementName('mod_forum'), 'MOD_FORUM')
    assert.equal(elementName('tool_x/sub'), 'TOOL_X__SUB')
    assert.equal(elementName('2fa key'), '_2FA_KEY')
    const xml = buildPresetXml(doc({ settings: [{ plugin: 'local_ü', name: '1st setting', value: 'v', attributes: { 'bad name': '1' } }] }))
    assert.equal(xmlProblem(xml), null)
  })
})

describe('selectPresetSettings', () => {
  const frontpage = { fullname: 'Site', shortname: 'site', summary: null }
  const settings: PresetSetting[] = [
    { plugin: 'none', name: 'smtppass', value: 's', attributes: {} },
    { plugin: 'none', name: 'recaptchaprivatekey', value: 's', attributes: {} },
    { plugin: 'local_x', name: 'apitoken', value: 't', attributes: {} },
    { plugin: 'quiz', name: 'quizpassword', value: 'q', attributes: {} },
    { plugin: 'url', name: 'secretphrase', value: 'p', attributes: {} },
    { plugin: 'none', name: 'allowedip', value: '10.0.0.1', attributes: {} },
    { plugin: 'none', name: 'theme', value: 'boost', attributes: {} },
    { plugin: 'none', name: 'fullname', value: 'From the tree', attributes: {} },
  ]

  it('leaves out sensitive settings (Moodle’s list and the secret pattern) and adds missing front-page names', () => {
    const picked = selectPresetSettings(settings, { frontpage, sensible: ['allowedip@@none', ' smtppass@@none'], includeSensitive: false })
    assert.deepEqual(
      picked.map((s) => `${s.plugin}/${s.name}=${s.value}`),
      ['none/theme=boost', 'none/fullname=From the tree', 'none/shortname=site', 'none/summary=null'],
    )
  })

  it('keeps everything with presets_include_sensitive', () => {
    const picked = selectPresetSettings(settings, { frontpage, sensible: ['allowedip@@none'], includeSensitive: true })
    assert.equal(picked.length, settings.length + 2)
  })
})

describe('presetComment', () => {
  it('formats the date as DD.MM.YYYY - HH:MM:SS in the given zone', () => {
    assert.equal(presetComment(1795338900, 'UTC'), 'Preset for MooPanel application created on 22.11.2026 - 09:15:00')
    assert.equal(presetComment(1795338900, 'Europe/Prague'), 'Preset for MooPanel application created on 22.11.2026 - 10:15:00')
    assert.equal(presetComment(1795305600, 'America/New_York'), 'Preset for MooPanel application created on 21.11.2026 - 19:00:00')
  })
})
