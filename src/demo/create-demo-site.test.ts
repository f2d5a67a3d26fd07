import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createDemoSite, type DemoSite } from './create-demo-site.ts'

const NOW = new Date('2026-03-01T12:00:00Z')
const NOW_S = NOW.getTime() / 1000
const DAY = 86400
const TIME_COLUMNS = ['firstaccess', 'lastaccess', 'lastlogin', 'currentlogin', 'timecreated', 'timemodified']

type Row = Record<string, unknown>

async function rows(site: DemoSite, sql: string, params: unknown[] = []): Promise<Row[]> {
  return (await site.pglite.query<Row>(sql, params)).rows
}

describe('createDemoSite', () => {
  let workDir: string
  let site: DemoSite

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'demo-site-test-'))
    site = await createDemoSite({ dir: join(workDir, 'main'), now: NOW, seed: 42 })
  })
  after(async () => {
    await site?.close()
    await rm(workDir, { recursive: true, force: true })
  })

  it('reports the counts of what it generated, with 500 users by default', async () => {
    assert.deepEqual(site.counts, { users: 500, courses: 40, categories: 16, plugins: 452 })
    const [counts] = await rows(site, `SELECT
      (SELECT count(*) FROM mdl_user) AS users,
      (SELECT count(*) FROM mdl_course WHERE category <> 0) AS courses,
      (SELECT count(*) FROM mdl_course_categories) AS categories`)
    assert.deepEqual(counts, { users: 500, courses: 40, categories: 16 })
    assert.equal(site.prefix, 'mdl_')
    assert.equal(site.dirroot, join(workDir, 'main', 'moodle'))
    assert.equal(site.dataroot, join(workDir, 'main', 'moodledata'))
  })

  it('has the guest, the admin and a realistic mix of other users', async () => {
    const special = await rows(site, 'SELECT id, username, deleted FROM mdl_user WHERE id IN (1, 2) ORDER BY id')
    assert.deepEqual(special, [{ id: 1, username: 'guest', deleted: 0 }, { id: 2, username: 'admin', deleted: 0 }])
    const [mix] = await rows(site, `SELECT
      count(*) FILTER (WHERE deleted = 1)::int AS deleted,
      count(*) FILTER (WHERE suspended = 1)::int AS suspended,
      count(*) FILTER (WHERE auth = 'email' AND confirmed = 0)::int AS unconfirmed,
      count(*) FILTER (WHERE lastaccess > $1::int - 300)::int AS online,
      count(*) FILTER (WHERE lastaccess > $1::int - 86400)::int AS today,
      count(*) FILTER (WHERE city <> '' AND country <> '')::int AS located,
      count(DISTINCT lastname)::int AS lastnames
      FROM mdl_user`, [NOW_S])
    assert.ok(mix)
    assert.equal(mix.deleted, 2)
    assert.ok(Number(mix.suspended) >= 10 && Number(mix.suspended) <= 35, `suspended: ${mix.suspended}`)
    assert.ok(Number(mix.unconfirmed) >= 3, `unconfirmed: ${mix.unconfirmed}`)
    assert.ok(Number(mix.online) >= 25 && Number(mix.online) <= 60, `online: ${mix.online}`)
    assert.ok(Number(mix.today) >= 70 && Number(mix.today) <= 140, `today: ${mix.today}`)
    assert.ok(Number(mix.located) > 400, `located: ${mix.located}`)
    assert.ok(Number(mix.lastnames) < 400, 'several users share a last name')
    const accented = await rows(site, "SELECT count(*)::int AS n FROM mdl_user WHERE firstname || lastname ~ '[^\\x01-\\x7e]'")
    assert.ok(Number(accented[0]?.n) > 50, 'names with accents and other scripts')
  })

  it('stores usernames lower-case and unique, with e-mails derived from them', async () => {
    const users = await rows(site, 'SELECT id, username, email, password, secret FROM mdl_user WHERE deleted = 0 AND id > 1')
    const names = new Set<string>()
    for (const user of users) {
      const username = String(user.username)
      assert.equal(username, username.toLowerCase())
      assert.ok(!names.has(username), `duplicate ${username}`)
      names.add(username)
      assert.equal(user.email, `${username}@demo.moodle.test`)
      assert.match(String(user.password), /^\$6\$rounds=10000\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/)
      assert.match(String(user.secret), /^[0-9A-Za-z]{15}$/)
    }
  })

  it('rewrites deleted users as delete_user() does', async () => {
    const deleted = await rows(site, 'SELECT username, email, idnumber, picture, timemodified FROM mdl_user WHERE deleted = 1 ORDER BY id')
    assert.equal(deleted.length, 2)
    assert.match(String(deleted[0]?.username), /^[a-z0-9.]+@demo\.moodle\.test\.\d{10}$/)
    assert.match(String(deleted[1]?.username), /^[a-z0-9.]+\.\d+@unknownemail\.invalid\.\d{10}$/)
    for (const user of deleted) {
      assert.match(String(user.email), /^[0-9a-f]{32}$/)
      assert.equal(user.idnumber, '')
      assert.equal(user.picture, 0)
      assert.ok(String(user.username).endsWith(`.${user.timemodified}`))
    }
    const leftovers = await rows(site, `SELECT
      (SELECT count(*) FROM mdl_context c JOIN mdl_user u ON u.id = c.instanceid WHERE c.contextlevel = 30 AND u.deleted = 1) +
      (SELECT count(*) FROM mdl_user_enrolments e JOIN mdl_user u ON u.id = e.userid WHERE u.deleted = 1) AS n`)
    assert.equal(leftovers[0]?.n, 0)
  })

  it('nests categories with paths, depths and sort orders consistent with their parents', async () => {
    const categories = await rows(site, 'SELECT id, parent, path, depth, sortorder, visible, coursecount FROM mdl_course_categories ORDER BY id')
    const byId = new Map(categories.map((c) => [Number(c.id), c]))
    for (const category of categories) {
      const parent = byId.get(Number(category.parent))
      assert.equal(category.path, `${parent ? String(parent.path) : ''}/${category.id}`)
      assert.equal(category.depth, parent ? Number(parent.depth) + 1 : 1)
      assert.ok(!parent || Number(parent.id) < Number(category.id), 'parents come first')
      assert.equal(Number(category.sortorder) % 10000, 0)
    }
    assert.equal(new Set(categories.map((c) => c.sortorder)).size, categories.length)
    assert.equal(Math.max(...categories.map((c) => Number(c.depth))), 3)
    assert.equal(categories.filter((c) => c.visible === 0).length, 1)
    const [counts] = await rows(site, `SELECT count(*)::int AS n FROM mdl_course_categories cc
      WHERE coursecount <> (SELECT count(*) FROM mdl_course c WHERE c.category = cc.id)`)
    assert.equal(counts?.n, 0)
    const site1 = await rows(site, 'SELECT id, category, format, fullname, shortname FROM mdl_course WHERE category = 0')
    assert.deepEqual(site1, [{ id: 1, category: 0, format: 'site', fullname: 'Moodle Bridge Demo', shortname: 'demo' }])
    const hidden = await rows(site, 'SELECT count(*)::int AS n FROM mdl_course WHERE visible = 0')
    assert.equal(hidden[0]?.n, 1)
  })

  it('gives the system, categories, courses and users contexts with consistent paths', async () => {
    const contexts = await rows(site, 'SELECT id, contextlevel, instanceid, path, depth FROM mdl_context ORDER BY id')
    assert.deepEqual(contexts[0], { id: 1, contextlevel: 10, instanceid: 0, path: '/1', depth: 1 })
    const byKey = new Map(contexts.map((c) => [`${c.contextlevel}/${c.instanceid}`, c]))
    const categories = await rows(site, 'SELECT id, parent FROM mdl_course_categories')
    for (const category of categories) {
      const context = byKey.get(`40/${category.id}`)
      const parent: Row | undefined = Number(category.parent) === 0 ? contexts[0] : byKey.get(`40/${category.parent}`)
      assert.equal(context?.path, `${String(parent?.path)}/${context?.id}`)
    }
    const courses = await rows(site, 'SELECT id, category FROM mdl_course')
    for (const course of courses) {
      const context = byKey.get(`50/${course.id}`)
      const parent: Row | undefined = Number(course.category) === 0 ? contexts[0] : byKey.get(`40/${course.category}`)
      assert.equal(context?.path, `${String(parent?.path)}/${context?.id}`)
      assert.equal(context?.depth, String(context?.path).split('/').length - 1)
    }
    const [users] = await rows(site, "SELECT count(*)::int AS n FROM mdl_context WHERE contextlevel = 30 AND path = '/1/' || id")
    assert.equal(users?.n, 498)
  })

  it('writes a version.php for every installed plugin except the one whose folder is missing', async () => {
    const components = JSON.parse(await readFile(join(site.dirroot, 'lib/components.json'), 'utf8')) as { plugintypes: Record<string, string> }
    const typeDirs: Record<string, string> = { ...components.plugintypes }
    const declarations = (await readdir(site.dirroot, { recursive: true })).filter((f) => f.endsWith('/db/subplugins.json'))
    assert.ok(declarations.length >= 10)
    for (const file of declarations) {
      const declared = JSON.parse(await readFile(join(site.dirroot, file), 'utf8')) as { plugintypes: Record<string, string> }
      Object.assign(typeDirs, declared.plugintypes)
    }
    const installed = await rows(site, "SELECT plugin, value FROM mdl_config_plugins WHERE name = 'version' ORDER BY plugin")
    const missing: string[] = []
    let checked = 0
    for (const { plugin, value } of installed) {
      const component = String(plugin)
      const at = component.indexOf('_')
      const typeDir = typeDirs[component.slice(0, at)]
      assert.ok(typeDir, `type directory of ${component}`)
      const file = join(site.dirroot, typeDir, component.slice(at + 1), 'version.php')
      if (!existsSync(file)) {
        missing.push(component)
        continue
      }
      const php = await readFile(file, 'utf8')
      assert.ok(php.includes(`$plugin->component = '${component}';`), file)
      assert.ok(php.includes(`$plugin->version = ${value};`), `${component} is installed at its disk version`)
      checked++
    }
    assert.deepEqual(missing, ['local_legacyreports'])
    assert.equal(checked, installed.length - 1)
    for (const notInstalled of ['ai/provider/azureai', 'blocks/studyplanner']) {
      assert.ok(existsSync(join(site.dirroot, notInstalled, 'version.php')), `${notInstalled} is on disk`)
    }
    const pending = await rows(site, "SELECT count(*)::int AS n FROM mdl_config_plugins WHERE name = 'version' AND plugin IN ('aiprovider_azureai', 'block_studyplanner')")
    assert.equal(pending[0]?.n, 0)
  })

  it('writes the core version.php, language files and subplugin declarations', async () => {
    const core = await readFile(join(site.dirroot, 'version.php'), 'utf8')
    assert.match(core, /^<\?php\n/)
    assert.ok(core.includes("defined('MOODLE_INTERNAL') || die();"))
    for (const line of ['$version = 2024100706.00;', "$release = '4.5.6 (Build: 20250811)';", "$branch = '405';", '$maturity = MATURITY_STABLE;']) {
      assert.ok(core.includes(`\n${line}\n`), line)
    }
    assert.ok((await readFile(join(site.dirroot, 'mod/forum/lang/en/forum.php'), 'utf8')).includes("$string['pluginname'] = 'Forum';"))
    assert.ok((await readFile(join(site.dirroot, 'filter/tex/lang/en/filter_tex.php'), 'utf8')).includes("$string['filtername'] = 'TeX notation';"))
    assert.ok((await readFile(join(site.dirroot, 'dataformat/csv/lang/en/dataformat_csv.php'), 'utf8')).includes("$string['dataformat'] = "))
    assert.ok(existsSync(join(site.dirroot, 'mod/forum/settings.php')))
    assert.ok(!existsSync(join(site.dirroot, 'mod/label/lang/en/mod_label.php')))
    const harbour = await readFile(join(site.dirroot, 'theme/harbour/version.php'), 'utf8')
    assert.ok(harbour.includes("$plugin->dependencies = ['theme_boost' => 2024100700];"))
    assert.ok(harbour.includes('$plugin->supported = [405, 405];'))
    const assign = JSON.parse(await readFile(join(site.dirroot, 'mod/assign/db/subplugins.json'), 'utf8')) as unknown
    assert.deepEqual(assign, { plugintypes: { assignsubmission: 'mod/assign/submission', assignfeedback: 'mod/assign/feedback' } })
    assert.ok(existsSync(join(site.dirroot, 'lib/plugins.json')))
    assert.ok(existsSync(join(site.dirroot, 'README-demo.txt')))
  })

  it('stores an update-server answer with the documented shape', async () => {
    const stored = await rows(site, "SELECT name, value FROM mdl_config_plugins WHERE plugin = 'core_plugin' ORDER BY name")
    const fetched = stored.find((r) => r.name === 'recentfetch')
    assert.equal(fetched?.value, String(NOW_S - 7200))
    const text = String(stored.find((r) => r.name === 'recentresponse')?.value)
    assert.ok(text.includes('"version":2024100707.00,'), 'core versions keep their decimals')
    assert.ok(text.includes('https:\\/\\/download.moodle.org'), 'slashes are escaped like the real server does')
    assert.ok(!/[^\\]\//.test(text), 'no unescaped slash')
    const response = JSON.parse(text) as {
      status: string; apiver: string; forbranch: string; forversion: string; ticket: string
      updates: Record<string, Array<{ version: number; release: string; maturity: number; url: string; download: string }>>
    }
    assert.equal(response.status, 'OK')
    assert.equal(response.apiver, '1.3')
    assert.equal(response.forbranch, '4.5')
    assert.equal(response.forversion, '2024100706.00')
    assert.match(response.ticket, /^[0-9a-f]{40}$/)
    assert.deepEqual(response.updates.core?.map((u) => [u.version, u.release]), [
      [2024100707, '4.5.7 (Build: 20251006)'], [2025041400, '5.0 (Build: 20250414)'],
    ])
    const standard = JSON.parse(await readFile(join(site.dirroot, 'lib/plugins.json'), 'utf8')) as { standard: Record<string, string[]> }
    const { plugintypes } = JSON.parse(await readFile(join(site.dirroot, 'lib/components.json'), 'utf8')) as { plugintypes: Record<string, string> }
    const entries: Array<{ maturity: number }> = []
    for (const [component, updates] of Object.entries(response.updates)) {
      if (component === 'core') continue
      const type = component.slice(0, component.indexOf('_'))
      const name = component.slice(component.indexOf('_') + 1)
      assert.ok(!standard.standard[type]?.includes(name), `${component} is an add-on`)
      const disk = await readFile(join(site.dirroot, plugintypes[type] ?? type, name, 'version.php'), 'utf8')
      const diskVersion = Number(/\$plugin->version = (\d+);/.exec(disk)?.[1])
      for (const update of updates) {
        assert.ok(update.version > diskVersion, `${component} ${update.version} is newer than ${diskVersion}`)
        assert.match(update.download, /^https:\/\/moodle\.org\//)
        entries.push(update)
      }
    }
    assert.ok(entries.filter((u) => u.maturity === 200).length >= 2)
    assert.equal(entries.filter((u) => u.maturity === 100).length, 1)
  })

  it('sets the configuration the service reads', async () => {
    const config = new Map((await rows(site, 'SELECT name, value FROM mdl_config')).map((r) => [r.name, r.value]))
    const expected: Record<string, string> = {
      version: '2024100706', release: '4.5.6 (Build: 20250811)', branch: '405', theme: 'boost', siteguest: '1',
      siteadmins: '2', mnet_localhost_id: '1', mnet_all_hosts_id: '2', lang: 'en', themedesignermode: '0',
      slasharguments: '1', updateminmaturity: '200', updatenotifybuilds: '0', updateautocheck: '1',
      timezone: 'Europe/London', forcetimezone: '99', auth: 'email', enrol_plugins_enabled: 'manual,guest,self,cohort',
      texteditors: 'tiny,textarea', antiviruses: '', mnet_dispatcher_mode: 'off',
    }
    for (const [name, value] of Object.entries(expected)) assert.equal(config.get(name), value, name)
    for (const name of ['themerev', 'media_plugins_sortorder', 'converter_plugins_sortorder', 'paygw_plugins_sortorder', 'enablewebservices', 'webserviceprotocols', 'dbsessions']) {
      assert.ok(config.has(name), name)
    }
    const plugins = await rows(site, `SELECT plugin || '/' || name AS key, value FROM mdl_config_plugins
      WHERE plugin IN ('core_admin', 'tool_log', 'question', 'auth_ldap') AND name IN ('logo', 'logocompact', 'enabled_stores', 'calculatedmulti_disabled', 'bind_pw')`)
    const byKey = new Map(plugins.map((r) => [r.key, r.value]))
    assert.equal(byKey.get('core_admin/logo'), '/demo-logo.png')
    assert.equal(byKey.get('core_admin/logocompact'), '')
    assert.equal(byKey.get('tool_log/enabled_stores'), 'logstore_standard')
    assert.equal(byKey.get('question/calculatedmulti_disabled'), '1')
    assert.match(String(byKey.get('auth_ldap/bind_pw')), /^[0-9A-Za-z]{20}$/)
    const logo = await rows(site, "SELECT contenthash FROM mdl_files WHERE component = 'core_admin' AND filearea = 'logo' AND filename = 'demo-logo.png'")
    const hash = String(logo[0]?.contenthash)
    assert.ok(existsSync(join(site.dataroot, 'filedir', hash.slice(0, 2), hash.slice(2, 4), hash)))
  })

  it('keeps upgrade_log times growing with ids and records failures and admin actions', async () => {
    const [order] = await rows(site, `SELECT count(*)::int AS n FROM
      (SELECT timemodified, lag(timemodified) OVER (ORDER BY id) AS previous FROM mdl_upgrade_log) t WHERE timemodified < previous`)
    assert.equal(order?.n, 0)
    const infos = await rows(site, 'SELECT DISTINCT info FROM mdl_upgrade_log')
    const set = new Set(infos.map((r) => r.info))
    for (const info of ['Starting plugin installation', 'Upgrade savepoint reached', 'Plugin installed', 'Starting plugin upgrade',
      'Plugin upgraded', 'Core installed', 'Starting core upgrade', 'Core upgraded']) assert.ok(set.has(info), info)
    const [kinds] = await rows(site, `SELECT count(*) FILTER (WHERE type = 1)::int AS notices, count(*) FILTER (WHERE type = 2)::int AS errors,
      count(*) FILTER (WHERE userid = 2)::int AS byadmin, count(*) FILTER (WHERE info = 'Starting plugin installation' AND version IS NOT NULL)::int AS badstart
      FROM mdl_upgrade_log`)
    assert.ok(Number(kinds?.notices) >= 1 && Number(kinds?.errors) >= 1 && Number(kinds?.byadmin) >= 3)
    assert.equal(kinds?.badstart, 0)
  })

  it('fills the plugin-state tables with enabled and disabled examples', async () => {
    const [state] = await rows(site, `SELECT
      (SELECT count(*) FROM mdl_modules WHERE visible = 0)::int AS hiddenmods,
      (SELECT count(*) FROM mdl_block WHERE visible = 0)::int AS hiddenblocks,
      (SELECT string_agg(DISTINCT active::text, ',' ORDER BY active::text) FROM mdl_filter_active WHERE contextid = 1) AS filters,
      (SELECT count(*) FROM mdl_repository)::int AS repositories,
      (SELECT count(*) FROM mdl_message_processors)::int AS processors,
      (SELECT count(*) FROM mdl_mnet_host)::int AS hosts`)
    assert.ok(Number(state?.hiddenmods) >= 2 && Number(state?.hiddenblocks) >= 2)
    assert.equal(state?.filters, '-1,-9999,1')
    assert.ok(Number(state?.repositories) > 0 && Number(state?.processors) > 0)
    assert.equal(state?.hosts, 2)
    const local = await rows(site, 'SELECT wwwroot FROM mdl_mnet_host WHERE id = 1')
    assert.equal(local[0]?.wwwroot, site.wwwroot)
  })

  it('has the stock capabilities and role permissions, MIDDAG\'s capabilities granted to managers, and cohorts', async () => {
    const [counts] = await rows(site, `SELECT (SELECT count(*)::int FROM mdl_capabilities) AS caps,
      (SELECT count(*)::int FROM mdl_role_capabilities WHERE contextid = 1) AS perms,
      (SELECT count(*)::int FROM mdl_cohort) AS cohorts, (SELECT count(*)::int FROM mdl_cohort_members) AS members`)
    assert.ok(Number(counts?.caps) > 700 && Number(counts?.perms) > 1500, JSON.stringify(counts))
    assert.ok(Number(counts?.cohorts) >= 5 && Number(counts?.members) > 50, JSON.stringify(counts))
    const held = await rows(site, `SELECT r.shortname, rc.capability FROM mdl_role_capabilities rc JOIN mdl_role r ON r.id = rc.roleid
      WHERE rc.contextid = 1 AND rc.permission = 1 AND rc.capability IN ('moodle/course:viewhiddencourses', 'moodle/category:viewhiddencategories',
        'moodle/user:viewalldetails', 'moodle/cohort:view', 'local/middag:manage', 'local/middag:coursegroup_manage')`)
    const byRole = (role: string) => held.filter((h) => h.shortname === role).map((h) => h.capability).sort()
    assert.equal(byRole('manager').length, 6)
    assert.deepEqual(byRole('user'), [], 'the authenticated-user role holds none of them')
    // The fixture's add-ons do not leak into the demo's capabilities.
    assert.deepEqual(await rows(site, "SELECT name FROM mdl_capabilities WHERE component IN ('block_xp', 'theme_boost_union', 'local_moopanel')"), [])
    const orphans = await rows(site, 'SELECT rc.capability FROM mdl_role_capabilities rc LEFT JOIN mdl_capabilities c ON c.name = rc.capability WHERE c.id IS NULL')
    assert.deepEqual(orphans, [])
    const members = await rows(site, 'SELECT m.userid FROM mdl_cohort_members m LEFT JOIN mdl_user u ON u.id = m.userid AND u.deleted = 0 WHERE u.id IS NULL')
    assert.deepEqual(members, [], 'members are existing, not deleted users')
  })

  it('gives the Items API a service with tokens for the admin, a system manager and a user without a system role', async () => {
    const { admin, manager, user, service } = site.items
    assert.ok(manager && user)
    const tokens = await rows(site, `SELECT t.token, t.userid, t.tokentype, t.contextid, t.validuntil, s.enabled, s.shortname, s.requiredcapability, s.restrictedusers
      FROM mdl_external_tokens t JOIN mdl_external_services s ON s.id = t.externalserviceid WHERE s.shortname = $1 ORDER BY t.id`, [service])
    assert.deepEqual(tokens.map((t) => [t.token, t.userid]), [[admin.token, 2], [manager.token, manager.userid], [user.token, user.userid]])
    for (const t of tokens) {
      assert.match(String(t.token), /^[0-9a-f]{32}$/)
      assert.deepEqual([t.tokentype, t.contextid, t.validuntil, t.enabled, t.requiredcapability, t.restrictedusers], [0, 1, 0, 1, null, 0])
    }
    const system = async (userid: number) =>
      (await rows(site, 'SELECT r.shortname FROM mdl_role_assignments ra JOIN mdl_role r ON r.id = ra.roleid WHERE ra.contextid = 1 AND ra.userid = $1', [userid])).map((r) => r.shortname)
    assert.deepEqual(await system(manager.userid), ['manager'])
    assert.deepEqual(await system(user.userid), [])
    for (const who of [manager, user]) {
      const [row] = await rows(site, 'SELECT username, deleted, suspended, confirmed FROM mdl_user WHERE id = $1', [who.userid])
      assert.deepEqual(row, { username: who.username, deleted: 0, suspended: 0, confirmed: 1 })
    }
    const [restricted] = await rows(site, "SELECT count(*)::int AS n FROM mdl_external_services_users u JOIN mdl_external_services s ON s.id = u.externalserviceid WHERE s.restrictedusers = 1")
    assert.ok(Number(restricted?.n) >= 1)
  })

  it('moves every id sequence past the ids it inserted', async () => {
    const tables = await rows(site, "SELECT tablename FROM pg_tables WHERE tablename LIKE 'mdl\\_%' ORDER BY tablename")
    assert.equal(tables.length, 30)
    for (const { tablename } of tables) {
      const [state] = await rows(site, `SELECT (SELECT coalesce(max(id), 0) FROM ${String(tablename)}) AS maxid,
        (SELECT last_value FROM ${String(tablename)}_id_seq) AS last, (SELECT is_called FROM ${String(tablename)}_id_seq) AS called`)
      if (Number(state?.maxid) > 0) assert.ok(state?.called === true && Number(state.last) >= Number(state.maxid), `${String(tablename)}: ${JSON.stringify(state)}`)
    }
  })

  it('returns int8 columns as JS numbers and numeric columns as strings (PGlite)', async () => {
    const [row] = await rows(site, 'SELECT id, timecreated, progress FROM mdl_backup_controllers ORDER BY id LIMIT 1')
    assert.equal(typeof row?.id, 'number')
    assert.equal(typeof row?.timecreated, 'number')
    assert.equal(typeof row?.progress, 'string')
  })

  it('is deterministic for a seed (apart from times relative to now) and rewrites a changed install directory', async () => {
    const dir = join(workDir, 'repeat')
    const first = await createDemoSite({ dir, now: NOW, seed: 7, users: 120 })
    const firstUsers = await rows(first, 'SELECT * FROM mdl_user ORDER BY id')
    const firstCourses = await rows(first, 'SELECT id, fullname, shortname, category, sortorder FROM mdl_course ORDER BY id')
    await first.close()

    await writeFile(join(first.dirroot, 'version.php'), '<?php // changed')
    await mkdir(join(first.dirroot, 'mod/stale'), { recursive: true })
    await writeFile(join(first.dirroot, 'mod/stale/version.php'), '<?php')
    await writeFile(join(first.dataroot, 'stale.txt'), 'x')

    const shift = 3 * DAY
    const second = await createDemoSite({ dir, now: new Date(NOW.getTime() + shift * 1000), seed: 7, users: 120 })
    try {
      assert.ok(!existsSync(join(second.dirroot, 'mod/stale')), 'stale plugin folder removed')
      assert.ok(!existsSync(join(second.dataroot, 'stale.txt')), 'stale data file removed')
      assert.match(await readFile(join(second.dirroot, 'version.php'), 'utf8'), /\$version = 2024100706\.00;/)
      const secondUsers = await rows(second, 'SELECT * FROM mdl_user ORDER BY id')
      assert.equal(secondUsers.length, firstUsers.length)
      for (const [index, user] of secondUsers.entries()) {
        const before = firstUsers[index] ?? {}
        for (const [column, value] of Object.entries(user)) {
          if (TIME_COLUMNS.includes(column)) {
            assert.equal(value, Number(before[column]) === 0 ? 0 : Number(before[column]) + shift, `${column} of user ${user.id}`)
          } else if (column === 'username' && user.deleted === 1) {
            assert.equal(String(value).replace(/\.\d+$/, ''), String(before[column]).replace(/\.\d+$/, ''))
          } else {
            assert.deepEqual(value, before[column], `${column} of user ${user.id}`)
          }
        }
      }
      assert.deepEqual(await rows(second, 'SELECT id, fullname, shortname, category, sortorder FROM mdl_course ORDER BY id'), firstCourses)
    } finally {
      await second.close()
    }
    const other = await createDemoSite({ dir, now: NOW, seed: 8, users: 120 })
    try {
      const otherUsers = await rows(other, 'SELECT username FROM mdl_user WHERE id > 2 ORDER BY id')
      assert.notDeepEqual(otherUsers.map((u) => u.username), firstUsers.slice(2).map((u) => u.username))
    } finally {
      await other.close()
    }
  })

  it('accepts a tiny site of just the guest and the admin', async () => {
    const tiny = await createDemoSite({ dir: join(workDir, 'tiny'), now: NOW, users: 2, cacheDir: null })
    try {
      assert.equal(tiny.counts.users, 2)
      const users = await rows(tiny, 'SELECT username FROM mdl_user ORDER BY id')
      assert.deepEqual(users.map((u) => u.username), ['guest', 'admin'])
    } finally {
      await tiny.close()
    }
  })
})
