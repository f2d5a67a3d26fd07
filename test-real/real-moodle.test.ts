/**
 * `npm run test:real` (docs/real-moodle-tests.md): every management-API flow the way MooPanel drives
 * it, and Items API reads, against a real Moodle site (MB_REAL_MOODLE_DIR) with real PHP. The suite
 * makes its own scratch course with Moodle's generator, a small generated local plugin (ZIP install,
 * then an update from a local update source, then uninstalled), a web-service token, and removes
 * all of it in `after`. Each flow checks the callback bodies and Moodle's state in its database.
 * The steps depend on each other and run in order.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readdir, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { BlobReader, Uint8ArrayWriter, ZipReader } from '@zip.js/zip.js'
import { buildZip } from '../src/packages/test-zip.ts'
import { xmlProblem } from '../test/support/stand-in-panel.ts'
import { realEnv, SitePhp } from './support/real-site.ts'
import { startRealService, type RealService } from './support/real-service.ts'

const PLUGIN = 'local_mbrealtest'
const PLUGIN_DIR = join('local', 'mbrealtest')
const V1 = '2026010100'
const V2 = '2026010200'
const INSTANCE = 42
const exists = (p: string) => stat(p).then(() => true, () => false)

function pluginZip(version: string, release: string): Promise<Buffer> {
  return buildZip({
    'mbrealtest/version.php':
      `<?php\ndefined('MOODLE_INTERNAL') || die();\n$plugin->component = '${PLUGIN}';\n$plugin->version = ${version};\n` +
      `$plugin->requires = 2022112800;\n$plugin->maturity = MATURITY_STABLE;\n$plugin->release = '${release}';\n`,
    'mbrealtest/lang/en/local_mbrealtest.php': `<?php\ndefined('MOODLE_INTERNAL') || die();\n$string['pluginname'] = 'moodle-bridge real test ${release}';\n`,
  })
}

describe('moodle-bridge against a real Moodle site', { concurrency: false }, () => {
  const env = realEnv()
  let s: RealService
  let php: SitePhp
  let dirroot: string
  let backupFolder: string
  let backupFolderExisted = false
  const scratch = { shortname: `mbreal${process.pid}${Date.now() % 100000}`, courseid: 0, pagecmid: 0 }
  let backup: { link: string; password: string } | undefined
  let ws: { token: string; tokenid: number; serviceid: number; userid: number } | undefined
  let wsWas: string | null = null
  let updateData: { fetch: string | null; response: string | null } | undefined

  const setting = async (name: string) =>
    ((await s.db.selectFrom('mdl_config').select('value').where('name', '=', name).executeTakeFirst())?.value as string | undefined) ?? null
  const pluginSetting = async (plugin: string, name: string) =>
    ((await s.db.selectFrom('mdl_config_plugins').select('value').where('plugin', '=', plugin).where('name', '=', name).executeTakeFirst())?.value as string | undefined) ?? null
  const callbacks = (route: string) => s.panel.requests.filter((r) => r.route === route && r.instanceId === INSTANCE && r.status === 200)
  const controllers = async (operation: 'backup' | 'restore') =>
    (await s.db.selectFrom('mdl_backup_controllers').select(['id', 'status']).where('itemid', '=', scratch.courseid).where('type', '=', 'course').where('operation', '=', operation).execute())
      .map((r) => ({ id: Number(r.id), status: Number(r.status) }))
  const pageNames = async () =>
    (await s.db.selectFrom('mdl_page').select('name').where('course', '=', scratch.courseid).orderBy('name').execute()).map((r) => r.name as string)

  before(async () => {
    s = await startRealService(env)
    dirroot = s.service.moodle.dirroot
    assert.ok(s.service.moodle.dataroot, 'config.php names a dataroot')
    php = await SitePhp.open(env, dirroot, s.service.moodle.dataroot!)
    backupFolder = join(s.service.moodle.dataroot!, 'moopanel_course_backups')
    backupFolderExisted = await exists(backupFolder)
    assert.equal(await php.upgradePending(), false, 'Moodle must not await an upgrade (run admin/cli/upgrade.php first)')
    assert.equal(await pluginSetting(PLUGIN, 'version'), null, `${PLUGIN} must not be installed before the suite runs`)
    assert.ok(!(await exists(join(dirroot, PLUGIN_DIR))), `${PLUGIN_DIR} must not exist before the suite runs`)
    const made = await php.tool('create_course', { shortname: scratch.shortname, fullname: `moodle-bridge scratch ${scratch.shortname}` })
    scratch.courseid = made.courseid
    scratch.pagecmid = made.pagecmid
  })

  after(async () => {
    const problems: string[] = []
    const step = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn()
      } catch (error) {
        problems.push(`${what}: ${(error as Error).message}`)
      }
    }
    if (!s) return
    await step('uninstall the test plugin', async () => {
      if ((await pluginSetting(PLUGIN, 'version')) !== null) await php.run('admin/cli/uninstall_plugins.php', [`--plugins=${PLUGIN}`, '--run'])
      await rm(join(dirroot, PLUGIN_DIR), { recursive: true, force: true })
      // A plugin folder removed leaves Moodle's code hash behind: Moodle's admin page would upgrade now.
      if (await php.upgradePending()) await php.upgrade()
    })
    await step('restore the update data', async () => {
      if (!updateData) return
      await php.setConfig('core_plugin', 'recentresponse', updateData.response)
      await php.setConfig('core_plugin', 'recentfetch', updateData.fetch)
    })
    await step('delete the web service and its token', async () => {
      if (ws) await php.tool('delete_service', { serviceid: ws.serviceid })
      if (ws && wsWas !== '1') await php.setConfig(null, 'enablewebservices', wsWas ?? '0')
    })
    await step('delete the scratch course', async () => {
      if (scratch.courseid) await php.tool('delete_course', { courseid: scratch.courseid })
    })
    await step('delete backup files', async () => {
      for (const r of s.panel.requests.filter((x) => x.route === '6.2')) {
        const link = (r.json as { link?: string })?.link
        if (link && link !== '-') await rm(join(backupFolder, link), { force: true })
      }
      if (!backupFolderExisted) await rm(backupFolder, { recursive: true, force: true })
    })
    await s.close()
    if (problems.length > 0) assert.fail(`clean-up incomplete (remove by hand):\n${problems.join('\n')}`)
  })

  it('reads the site: the scratch course is listed, the connection test passes', async () => {
    const conn = await s.api('/test_connection')
    assert.equal(conn.status, 200, conn.body)
    const courses = await s.api('/courses?displaycourses')
    assert.equal(courses.status, 200, courses.body)
    const listed = courses.json.courses.find((c: { id: number }) => c.id === scratch.courseid)
    assert.deepEqual(listed?.name, `moodle-bridge scratch ${scratch.shortname}`)
  })

  it('backs up the scratch course with Moodle\'s backup script; the callback carries link, password and size', async () => {
    const res = await s.api('/backups', 'POST', { instance_id: INSTANCE, mode: 'manual', storage: 'local', credentials: [], courses: [scratch.courseid] })
    assert.equal(res.status, 200, res.body)
    assert.deepEqual(res.json.errors, [])
    const id = res.json.backups[0].moodle_job_id as number
    assert.deepEqual(res.json.backups, [{ id: scratch.courseid, status: 200, moodle_job_id: id, message: 'Backup will be created.' }])
    assert.deepEqual(await s.settled(id, 'backup_course'), { status: 1, error: '' })
    const sent = callbacks('6.2').filter((r) => (r.json as { courseid: number }).courseid === scratch.courseid)
    assert.equal(sent.length, 1)
    const body = sent[0]!.json as { status: boolean; courseid: number; link: string; password: string; filesize: number; message: null }
    assert.equal(body.status, true)
    assert.match(body.link, new RegExp(`^manual/course_${scratch.courseid}__\\d{4}_\\d{2}_\\d{2}_\\d{2}_\\d{2}_\\d{2}__${id}\\.zip$`))
    assert.match(body.password, /^[A-Za-z0-9_-]{22}$/)
    assert.equal(body.message, null)
    const file = join(backupFolder, body.link)
    assert.equal(body.filesize, (await stat(file)).size)
    // The archive holds Moodle's .mbz (a gzip-compressed tar with moodle_backup.xml).
    const zip = new ZipReader(new BlobReader(new Blob([await readFile(file)])))
    const entries = await zip.getEntries()
    assert.equal(entries.length, 1)
    const [entry] = entries
    assert.ok(entry && !entry.directory && entry.filename.endsWith('.mbz'), 'one .mbz entry')
    const mbz = Buffer.from(await entry.getData(new Uint8ArrayWriter(), { password: body.password }))
    await zip.close()
    assert.deepEqual([mbz[0], mbz[1]], [0x1f, 0x8b], 'gzip')
    backup = { link: body.link, password: body.password }
    // Moodle recorded a finished course backup (backup::STATUS_FINISHED_OK = 1000).
    assert.ok((await controllers('backup')).some((c) => c.status === 1000), 'a finished backup controller')
    assert.deepEqual((await s.api('/backups')).json, { backups_in_progress: [] })
    assert.deepEqual(await readdir(join(backupFolder, '.staging')).catch(() => []), [], 'no staging left')
  })

  it('refuses a restore with a wrong password and leaves the course as it is', async () => {
    assert.ok(backup, 'needs the backup')
    await php.tool('add_page', { courseid: scratch.courseid, name: 'Added after the backup' })
    const before = await controllers('restore')
    const res = await s.api('/backups', 'PUT', { moodle_course_id: scratch.courseid, link: backup.link, instance_id: INSTANCE, password: 'not-the-password', user_id: 3, backup_result_id: 801 })
    assert.equal(res.status, 200, res.body)
    assert.deepEqual(await s.settled(res.json.moodle_job_id, 'backup_course_restore'), { status: 3, error: 'Password incorrect.' })
    const sent = callbacks('6.3').filter((r) => (r.json as { backup_result_id: number }).backup_result_id === 801)
    assert.deepEqual(sent.map((r) => r.json), [{ status: false, user_id: 3, backup_result_id: 801, courseid: scratch.courseid, message: 'Password incorrect.' }])
    assert.deepEqual(await controllers('restore'), before, 'Moodle ran no restore')
    assert.deepEqual(await pageNames(), ['Added after the backup', 'Scratch page'])
  })

  it('restores the backup into its course with the right password (deleting what came after)', async () => {
    assert.ok(backup, 'needs the backup')
    const res = await s.api('/backups', 'PUT', { moodle_course_id: scratch.courseid, link: backup.link, instance_id: INSTANCE, password: backup.password, user_id: 3, backup_result_id: 802 })
    assert.equal(res.status, 200, res.body)
    assert.deepEqual(res.json, { status: true, message: 'Course backup will be restored.', moodle_job_id: res.json.moodle_job_id })
    assert.deepEqual(await s.settled(res.json.moodle_job_id, 'backup_course_restore'), { status: 1, error: '' })
    const sent = callbacks('6.3').filter((r) => (r.json as { backup_result_id: number }).backup_result_id === 802)
    assert.deepEqual(sent.map((r) => r.json), [{ status: true, user_id: 3, backup_result_id: 802, courseid: scratch.courseid, message: 'Backup restored.' }])
    assert.ok((await controllers('restore')).some((c) => c.status === 1000), 'a finished restore controller')
    assert.deepEqual(await pageNames(), ['Scratch page'], 'the content is the backup\'s')
  })

  it('deletes the backup file', async () => {
    assert.ok(backup, 'needs the backup')
    const res = await s.api('/backups', 'DELETE', {
      instance_id: INSTANCE, user_id: null,
      storages: [{ storage_id: 1, storage_key: 'local', credentials: [] }],
      backups: [{ backup_result_id: 803, storage_id: 1, link: backup.link }],
    })
    assert.equal(res.status, 200, res.body)
    const [item] = res.json.backups
    assert.deepEqual(item, { backup_result_id: 803, status: true, message: 'Backup will be deleted.', moodle_job_id: item.moodle_job_id })
    assert.deepEqual(await s.settled(item.moodle_job_id, 'backup_course_delete'), { status: 1, error: '' })
    assert.deepEqual(callbacks('6.4').map((r) => r.json), [{ status: true, user_id: null, backup_result_id: 803, message: 'Backup deleted successfully.' }])
    assert.ok(!(await exists(join(backupFolder, backup.link))), 'the file is gone')
  })

  it('installs a generated local plugin from a ZIP URL through Moodle\'s upgrade', async () => {
    s.files.files.set('/zips/mbrealtest-1.zip', await pluginZip(V1, '1.0'))
    const url = `${s.files.origin}/zips/mbrealtest-1.zip`
    const res = await s.api('/plugins/installzip', 'POST', { instance_id: INSTANCE, user_id: 3, username: 'admin@example.org', updates: [url] })
    assert.equal(res.status, 200, res.body)
    const id = res.json.moodle_job_id as number
    assert.deepEqual(await s.settled(id, 'plugins_install_zip'), { status: 1, error: '' })
    assert.deepEqual(callbacks('6.7').map((r) => r.json), [
      { moodle_job_id: id, user_id: 3, username: 'admin@example.org', updates: [{ link: url, status: true, component: PLUGIN, version: V1, error: null }] },
    ])
    assert.equal(await pluginSetting(PLUGIN, 'version'), V1, 'Moodle recorded the version')
    assert.ok(await exists(join(dirroot, PLUGIN_DIR, 'version.php')))
    const one = await s.api(`/plugin?plugin=${PLUGIN}`)
    assert.equal(one.status, 200, one.body)
    assert.equal(one.json.plugininfo.versiondb, V1)
    assert.equal(one.json.plugininfo.displayname, 'moodle-bridge real test 1.0')
    assert.equal(one.json.plugininfo.source, 'ext')
  })

  it('updates the plugin from a local update source', async () => {
    const zip = await pluginZip(V2, '1.1')
    s.files.files.set('/plugins/mbrealtest-2.zip', zip)
    const download = `${s.files.origin}/plugins/mbrealtest-2.zip`
    updateData = { fetch: await pluginSetting('core_plugin', 'recentfetch'), response: await pluginSetting('core_plugin', 'recentresponse') }
    const branch = /^(\d+\.\d+)/.exec((await setting('release')) ?? '')?.[1] ?? ''
    let data: any
    try {
      data = JSON.parse(updateData.response ?? '')
    } catch {
      data = undefined
    }
    if (data?.status !== 'OK' || data?.apiver !== '1.3' || data?.forbranch !== branch) {
      data = { status: 'OK', provider: 'https://download.moodle.org/api/1.3/updates.php', apiver: '1.3', timegenerated: Math.floor(Date.now() / 1000), forbranch: branch, forversion: await setting('version'), updates: {} }
    }
    data.updates = { ...(data.updates ?? {}), [PLUGIN]: [{ version: Number(V2), release: '1.1', maturity: 200, url: `${s.files.origin}/plugins`, download, downloadmd5: createHash('md5').update(zip).digest('hex') }] }
    await php.setConfig('core_plugin', 'recentresponse', JSON.stringify(data))
    await php.setConfig('core_plugin', 'recentfetch', String(Math.floor(Date.now() / 1000)))

    const listed = await s.api('/plugins?displayupdates')
    const entry = listed.json.plugins.find((p: { component: string }) => p.component === PLUGIN)
    assert.equal(entry?.has_updates, true, JSON.stringify(entry))
    assert.deepEqual(entry.update_available.map((u: { version: string }) => u.version), [V2])

    const res = await s.api('/plugins/updates', 'POST', {
      instance_id: INSTANCE, user_id: '3', username: 'admin@example.org',
      updates: [{ model_id: 77, component: PLUGIN, version: V2, release: '1.1', download }],
    })
    assert.equal(res.status, 200, res.body)
    const id = res.json.moodle_job_id as number
    assert.deepEqual(await s.settled(id, 'plugins_update'), { status: 1, error: '' })
    assert.deepEqual(callbacks('6.6').map((r) => r.json), [
      { moodle_job_id: id, user_id: 3, username: 'admin@example.org', updates: [{ model_id: 77, status: true, component: PLUGIN, error: null }] },
    ])
    assert.equal(await pluginSetting(PLUGIN, 'version'), V2, 'Moodle upgraded the plugin')
    const log = await s.db.selectFrom('mdl_upgrade_log').select(['info', 'version']).where('plugin', '=', PLUGIN).orderBy('id', 'desc').execute()
    assert.ok(log.some((r) => r.version === V2), `upgrade log: ${JSON.stringify(log)}`)
    assert.equal(String((await s.api(`/plugin?plugin=${PLUGIN}`)).json.plugininfo.versiondisk), V2)
  })

  it('exports the admin presets and delivers the XML', async () => {
    const presetsBefore = await s.db.selectFrom('mdl_adminpresets').select(s.db.fn.countAll().as('n')).executeTakeFirst()
    const res = await s.api(`/admin_presets?instanceid=${INSTANCE}`)
    assert.equal(res.status, 200, res.body)
    assert.deepEqual(await s.settled(res.json.moodle_job_id, 'admin_presets_create'), { status: 1, error: '' })
    const [delivery] = callbacks('6.8')
    assert.ok(delivery, 'the preset reached MooPanel')
    const xml = delivery.body
    assert.equal(xmlProblem(xml), null)
    const field = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1]
    assert.equal(field('SITE_URL'), s.service.moodle.wwwroot)
    assert.equal(field('MOODLE_VERSION'), String(Number(await setting('version'))))
    const site = await s.db.selectFrom('mdl_course').select(['fullname', 'shortname']).where('id', '=', 1).executeTakeFirstOrThrow()
    const escape = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    assert.ok(xml.includes(`<FULLNAME>${escape(site.fullname)}</FULLNAME>`), 'the site name')
    assert.match(xml, /<LOCAL>[\s\S]*<MBREALTEST>/, 'the installed plugin is among the plugins')
    assert.deepEqual(await s.db.selectFrom('mdl_adminpresets').select(s.db.fn.countAll().as('n')).executeTakeFirst(), presetsBefore, 'Moodle\'s preset tables untouched')
  })

  it('uninstalls the plugin it installed', async () => {
    const res = await s.api(`/plugin/uninstall?plugin=${PLUGIN}`, 'POST', { confirm: true })
    assert.equal(res.status, 200, res.body)
    assert.deepEqual(res.json, { uninstalled: true, removed: true })
    assert.deepEqual(await s.db.selectFrom('mdl_config_plugins').select('name').where('plugin', '=', PLUGIN).execute(), [], 'no settings left')
    assert.ok(!(await exists(join(dirroot, PLUGIN_DIR))), 'the folder left the Moodle root')
    assert.deepEqual((await s.api(`/plugin?plugin=${PLUGIN}`)).json, { error: 'Plugin not exist.' })
    // Moodle's own uninstall page removes the folder and then upgrades (admin/index.php); the site
    // must not be left awaiting an upgrade (Moodle's CLI scripts and the helpers refuse to work then).
    assert.equal(await php.upgradePending(), false, 'Moodle awaits an upgrade after the uninstall')
  })

  it('serves Items API reads to a web-service token it created', async () => {
    wsWas = await setting('enablewebservices')
    ws = await php.tool('create_token', { service: `mbreal_${process.pid}` })
    if (wsWas !== '1') await php.setConfig(null, 'enablewebservices', '1')
    const auth = { authorization: ws!.token }
    // Site settings that decide access are followed within 2 s (issue #10 point 3).
    let one = await s.items(`/api/v1/items/${scratch.courseid}?type=course`, auth)
    for (const until = Date.now() + 10_000; one.status === 401 && Date.now() < until; await new Promise((r) => setTimeout(r, 250))) {
      one = await s.items(`/api/v1/items/${scratch.courseid}?type=course`, auth)
    }
    assert.equal(one.status, 200, one.body)
    const course = await s.db.selectFrom('mdl_course').select(['id', 'fullname', 'shortname', 'category']).where('id', '=', scratch.courseid).executeTakeFirstOrThrow()
    assert.equal(one.json.data.id, scratch.courseid)
    assert.equal(one.json.data.fullname, course.fullname)
    assert.equal(one.json.data.parent, Number(course.category))
    const list = await s.items('/api/v1/items?type=course&sort=-id&perpage=1', { authorization: `Bearer ${ws!.token}` })
    assert.equal(list.status, 200, list.body)
    assert.equal(list.json.data[0].id, scratch.courseid)
    const users = await s.items(`/api/v1/items/${ws!.userid}?type=user`, auth)
    assert.equal(users.status, 200, users.body)
    const wrong = await s.items('/api/v1/items?type=course', { authorization: 'f'.repeat(32) })
    assert.equal(wrong.status, 401)
    assert.equal(wrong.json.reason, 'invalid_credentials')
  })
})
