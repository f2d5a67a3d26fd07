import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type StandInPanel, startStandInPanel } from '../../../test/support/stand-in-panel.ts'
import {
  adminPresetBody,
  backupCreatedBody,
  coreUpdateFinishedBody,
  cut,
  deletionFinishedBody,
  emailOrNull,
  pluginUpdatesFinishedBody,
  restoreFinishedBody,
  zipInstallsFinishedBody,
} from './callback-bodies.ts'
import { type CallbackKind, callbackContentType, callbackUrl } from './callback-urls.ts'
import { deliverCallbackAttempt } from './deliver-callback.ts'

const KEY = 'k'.repeat(40)
const LONG = 'é'.repeat(250) + '😀'.repeat(10) // 260 code points, 270 UTF-16 units

const PRESET = `<?xml version="1.0" encoding="UTF-8"?>
<PRESET>
  <NAME>Moopanel</NAME>
  <COMMENTS>Preset for MooPanel application created on 22.11.2026 - 09:15:00</COMMENTS>
  <PRESET_DATE>1795338900</PRESET_DATE>
  <SITE_URL>http://moodle.test</SITE_URL>
  <ADMIN_SETTINGS>
    <MOD_FORUM><SETTINGS><MAXBYTES plugin="forum" locked="0">512000</MAXBYTES></SETTINGS></MOD_FORUM>
    <NONE><SETTINGS><FULLNAME>Moodle &amp; Co &#8212; Test Site</FULLNAME><EMPTY/></SETTINGS></NONE>
  </ADMIN_SETTINGS>
  <PLUGINS><MOD><FORUM>1</FORUM></MOD></PLUGINS>
</PRESET>
`

/** One valid body per callback, built through the builders. */
const SAMPLES: [string, CallbackKind, unknown][] = [
  ['backup created', 'backup_created', backupCreatedBody({ status: true, courseId: 5, link: 'auto/course_5__2026_11_22_09_15_07__46.zip', password: 'q8Zr-4LmP0xW_n3TfK7aBc', sizeBytes: 48_213_377 })],
  ['backup failed', 'backup_created', backupCreatedBody({ status: false, courseId: 5, message: 'Problem while creating backup.' })],
  ['restore', 'restore_finished', restoreFinishedBody({ status: true, userId: 3, backupResultId: 88, courseId: 5, message: 'Backup restored.' })],
  ['deletion', 'deletion_finished', deletionFinishedBody({ status: true, userId: null, backupResultId: 90, message: 'Backup deleted successfully.' })],
  ['core update', 'core_update_finished', coreUpdateFinishedBody({ status: false, jobId: 44, userId: 3, updateId: 12, message: LONG })],
  ['plugin updates', 'plugin_updates_finished', pluginUpdatesFinishedBody({
    jobId: 42, userId: 3, username: 'editor@example.org',
    updates: [{ modelId: 41, status: true, component: 'block_xp', error: null }, { modelId: 43, status: false, component: 'mod_x', error: LONG }],
  })],
  ['zip installs', 'zip_installs_finished', zipInstallsFinishedBody({
    jobId: 43, userId: null, username: 'not an address',
    updates: [
      { link: 'https://moopanel.example/storage/zip_updates/Ab12Cd34.zip', status: true, component: 'local_greeting', version: '2024060100', error: null },
      { link: 'https://files.example.net/tool_x.zip', status: false, component: null, version: null, error: 'Download URL not allowed.' },
    ],
  })],
]

describe('callback bodies against the stand-in MooPanel', () => {
  let panel: StandInPanel
  before(async () => {
    panel = await startStandInPanel({ apiKey: KEY, prefix: '/panel' })
  })
  after(() => panel.stop())

  const send = (kind: CallbackKind, body: string, contentType = callbackContentType(kind)) =>
    deliverCallbackAttempt({ url: callbackUrl(kind, `${panel.url}/`, 7), body, contentType, apiKey: KEY, requestId: `t-${kind}`, userAgent: 'moodle-bridge/0.1.0' })

  for (const [name, kind, body] of SAMPLES) {
    it(`accepts the ${name} callback`, async () => {
      const result = await send(kind, JSON.stringify(body))
      assert.equal(result.status, 200, result.responseBody ?? '')
      assert.equal(result.outcome, 'accepted')
    })

    it(`rejects the ${name} callback when a key is missing, or wrapped in data`, async () => {
      for (const key of Object.keys(body as object)) {
        const { [key]: _dropped, ...rest } = body as Record<string, unknown>
        const result = await send(kind, JSON.stringify(rest))
        assert.equal(result.status, 422, key)
        assert.equal(result.outcome, 'rejected')
        assert.ok(JSON.parse(result.responseBody!).errors[key], key)
      }
      assert.equal((await send(kind, JSON.stringify({ data: body }))).status, 422)
    })
  }

  it('accepts the admin preset as XML with application/xml', async () => {
    const result = await send('admin_preset', adminPresetBody(PRESET))
    assert.deepEqual([result.outcome, result.responseBody], ['accepted', '{"message":"Admin preset stored successfully"}'])
    assert.equal(panel.requests.at(-1)?.headers['content-type'], 'application/xml')
  })

  it('rejects a malformed preset with 422 and a preset sent as JSON with 415', async () => {
    for (const xml of [PRESET.replace('</NAME>', '</NAMES>'), PRESET.replace('&amp;', '&'), `${PRESET}<PRESET/>`, '<PRESET><A b="1" b="2"/></PRESET>']) {
      assert.equal((await send('admin_preset', xml)).status, 422, xml.slice(-40))
    }
    assert.equal((await send('admin_preset', PRESET, 'application/json')).status, 415)
  })
})

describe('callback body builders', () => {
  it('send every key, placeholders on a failed backup, and null sizes above 2³¹−1', () => {
    assert.deepEqual(backupCreatedBody({ status: false, courseId: 5, message: 'Problem while creating backup.' }), {
      status: false, courseid: 5, link: '-', password: '-', filesize: null, message: 'Problem while creating backup.',
    })
    const big = backupCreatedBody({ status: true, courseId: 5, link: 'manual/a.zip', password: 'p'.repeat(22), sizeBytes: 2_147_483_648 })
    assert.deepEqual(big, { status: true, courseid: 5, link: 'manual/a.zip', password: 'p'.repeat(22), filesize: null, message: null })
    assert.equal(backupCreatedBody({ status: true, courseId: 5, link: 'manual/a.zip', password: 'p', sizeBytes: 2_147_483_647 }).filesize, 2_147_483_647)
  })

  it('cut stored texts to 255 code points without splitting a surrogate pair, but never a ZIP link', () => {
    assert.equal(Array.from(cut(LONG)).length, 255)
    assert.ok(cut(LONG).endsWith('😀'.repeat(5)))
    assert.equal(cut('short'), 'short')
    const core = coreUpdateFinishedBody({ status: false, jobId: 1, userId: null, updateId: 2, message: LONG })
    assert.equal(Array.from(core.message).length, 255)
    const link = `https://files.example.net/${'a'.repeat(300)}.zip`
    const zip = zipInstallsFinishedBody({ jobId: 1, userId: 1, username: null, updates: [{ link, status: false, component: '', version: null, error: LONG }] })
    assert.deepEqual(zip.updates[0], { link, status: false, component: 'unknown', version: null, error: cut(LONG) })
  })

  it('echo the username only when it is an e-mail address', () => {
    assert.equal(emailOrNull('editor@example.org'), 'editor@example.org')
    for (const value of ['editor', 'a@b', 'a b@example.org', null, `${'a'.repeat(250)}@example.org`]) assert.equal(emailOrNull(value), null)
  })

  it('refuse values MooPanel cannot take', () => {
    const ok = { status: true as const, courseId: 5, link: 'manual/a.zip', password: 'p', sizeBytes: 1 }
    assert.throws(() => backupCreatedBody({ ...ok, password: '' }), RangeError)
    assert.throws(() => backupCreatedBody({ ...ok, password: 'é'.repeat(12) }), RangeError)
    assert.throws(() => backupCreatedBody({ ...ok, courseId: 0 }), RangeError)
    assert.throws(() => backupCreatedBody({ ...ok, link: '' }), RangeError)
    assert.throws(() => restoreFinishedBody({ status: true, userId: 1.5, backupResultId: null, courseId: 1, message: 'x' }), RangeError)
    assert.throws(() => coreUpdateFinishedBody({ status: true, jobId: 2_147_483_648, userId: null, updateId: 1, message: 'x' }), RangeError)
    assert.throws(() => coreUpdateFinishedBody({ status: true, jobId: 1, userId: null, updateId: 1, message: '' }), RangeError)
    assert.throws(() => pluginUpdatesFinishedBody({ jobId: 1, userId: null, username: null, updates: [] }), RangeError)
    assert.throws(() => pluginUpdatesFinishedBody({ jobId: 1, userId: null, username: null, updates: [{ modelId: 1, status: true, component: '', error: null }] }), RangeError)
    assert.throws(() => adminPresetBody(''), RangeError)
  })
})
