/**
 * Moodle 4.1 LTS, 4.5 LTS and 5.1 code trees (issue #10 point 6): the read wire flows of both APIs
 * against install directories built like each release's (test/support/moodle-releases.ts): 4.1's
 * plugin types and version.php in the classic layout, 5.1's `public/` layout (config.php in the
 * root, code, plugins, version.php, components.json and admin/cli under public/), with
 * `--moodle-dir` naming the root and, on 5.1, `<root>/public`. The database is the 4.5 fixture
 * whatever the release (a scratch copy whose `version`, `release` and `branch` rows are set to the
 * release's): so on 4.1 the plugins of types 4.1 lacks are installed but have no code, and are
 * reported as Moodle reports plugins missing from disk. On PostgreSQL and, when configured, MariaDB.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import { parseConfig } from '../src/config/index.ts'
import { createService, type Service } from '../src/service.ts'
import { createCodeChangeSite, siteEngines, type CodeChangeSite } from './support/code-change-site.ts'
import { MOUNT } from './support/items-env.ts'
import { createTestItemsAuthenticator } from './support/items-test-auth.ts'
import { RELEASES, type MoodleRelease } from './support/moodle-releases.ts'
import { moopanelApi } from './support/moopanel-inject.ts'
import { TEST_KEY } from './support/start-fixture-service.ts'
import { readExpected } from './support/test-env.ts'

interface Element {
  component: string
  plugin: string
  display_name: string
  directory: string | null
  has_updates: boolean
  update_available?: Array<Record<string, unknown>>
  [key: string]: unknown
}

/** §3.9: update versions are strings with the update server's digits. */
const stringVersion = (u: Record<string, unknown>) => ({ ...u, version: String(u['version']) })

/** Components the 4.1 tree has no code for: the types 4.1 lacks, and tool_mfa (4.3+) with its `factor` subplugins. */
function absentOn41(component: string): boolean {
  const facts = RELEASES['4.1']
  const type = component.slice(0, component.indexOf('_'))
  return facts.missingTypes.includes(type) || facts.missingSubtypes.includes(type) || facts.missingPlugins.includes(component)
}

const BIN = resolve(import.meta.dirname, '..', 'bin', 'moodle-bridge')

const CORE_TYPES = { course: 'course', course_category: 'course_categories', user: 'user', cohort: 'cohort' } as const

for (const engine of siteEngines()) {
  for (const release of ['4.1', '4.5', '5.1'] as MoodleRelease[]) {
    const facts = RELEASES[release]
    const givens = facts.layout === 'public' ? (['root', 'public'] as const) : (['root'] as const)
    describe(`Moodle ${release} code tree (${facts.layout} layout) on ${engine}`, () => {
      let site: CodeChangeSite
      const expected = readExpected<{ last_check_for_updates: string; plugins: Element[] }>('plugins', engine)
      const expectedCore = readExpected<Record<string, any>>('moodle_core', engine)
      const root = readExpected<Record<string, unknown>>('root', engine)
      const releaseString = facts.core?.release ?? String(root['moodle_version'])

      before(async () => {
        site = await createCodeChangeSite(engine, `rel${release.replace('.', '')}_${engine}`, { release })
        if (facts.core) {
          const set = (name: string, value: string) => site.query('UPDATE {config} SET value = ? WHERE name = ?', [value, name])
          await set('version', String(facts.core.version))
          await set('release', facts.core.release)
          await set('branch', facts.core.branch)
        }
      })
      after(async () => {
        await site?.drop()
      })

      for (const given of givens) {
        describe(`--moodle-dir given as the ${given === 'root' ? 'installation root' : "root's public/"}`, () => {
          let service: Service
          const api = moopanelApi(() => service.app)
          const items = async (path: string) => {
            const res = await service.app.inject({ method: 'GET', url: `${MOUNT}${path}`, headers: { authorization: 'Bearer test-user-2' } })
            return { status: res.statusCode, json: JSON.parse(res.body) }
          }

          before(async () => {
            service = await createService(
              parseConfig({
                moodle_dir: given === 'root' ? site.dir : join(site.dir, 'public'), api_key: TEST_KEY, state_url: site.stateUrl,
                log_level: 'silent', mdg_core_api_enabled: true, items_rate_limit_enabled: false,
              }),
              { items: { authenticator: (moodle) => createTestItemsAuthenticator(moodle) } },
            )
          })
          after(async () => {
            await service?.close()
          })

          it('detects the layout: config.php at the root, the code where the release keeps it', () => {
            const moodle = service.moodle
            assert.equal(moodle.layout, facts.layout)
            assert.equal(moodle.root, site.dir)
            assert.equal(moodle.dirroot, facts.layout === 'public' ? join(site.dir, 'public') : site.dir)
            assert.equal(moodle.wwwroot, 'http://127.0.0.1:8081')
            assert.equal(moodle.dataroot, site.dataroot)
          })

          it('doctor (a real subprocess) reports the layout and the release', async () => {
            const dir = given === 'root' ? site.dir : join(site.dir, 'public')
            const { stdout } = await promisify(execFile)(BIN, ['doctor', '--moodle-dir', dir], { env: { ...process.env, MOODLE_BRIDGE_LOG_LEVEL: 'silent' } })
            const layout = facts.layout === 'public' ? `public \\(Moodle 5\\.1\\+\\): root ${site.dir}, code in ${site.dir}/public` : `classic: root and code in ${site.dir}`
            assert.match(stdout, new RegExp(` ok +install layout +${layout}\n`))
            assert.match(stdout, new RegExp(` ok +config\\.php +${site.dir}/config\\.php read`))
            assert.match(stdout, new RegExp(` ok +Moodle release +${release.replace('.', '\\.')}: supported`))
            assert.ok(stdout.includes(`${releaseString} (`), stdout)
          })

          it('answers / with the release of the site', async () => {
            const res = await api('/')
            assert.equal(res.status, 200)
            // The install directory's config.php names http://127.0.0.1:8081 on every engine.
            assert.deepEqual(res.json, { ...root, url: 'http://127.0.0.1:8081', moodle_version: releaseString })
          })

          it('lists the plugins the release has, with and without the update flags', async () => {
            const res = await api('/plugins?displayupdates&displayupdateslog')
            assert.equal(res.status, 200, res.body)
            // Moodle keeps a stored update response only for the branch it was fetched for (4.5 here).
            assert.equal(res.json.last_check_for_updates, facts.core ? null : expected.last_check_for_updates)
            const plugins = res.json.plugins as Element[]
            const byComponent = new Map(plugins.map((p) => [p.component, p]))
            assert.deepEqual([...byComponent.keys()].sort(), expected.plugins.map((p) => p.component).sort(), 'the installed plugins, each once')
            for (const e of expected.plugins) {
              const got = byComponent.get(e.component)!
              if (release === '4.1' && absentOn41(e.component)) {
                // Installed (the 4.5 database) but not in a 4.1 tree: reported as missing from disk.
                assert.equal(got.directory, null, e.component)
                assert.equal(got.display_name, e.plugin, e.component)
                assert.equal(got.has_updates, false, e.component)
                assert.deepEqual(got.update_available, [], e.component)
                continue
              }
              const updates = facts.core ? { has_updates: false, update_available: [] } : { update_available: e.update_available!.map(stringVersion) }
              assert.deepEqual(got, { ...e, ...updates }, e.component)
            }
            const order = plugins.map((p) => p.component)
            if (release === '4.5') assert.deepEqual(order, expected.plugins.map((p) => p.component))
            if (release === '5.1') {
              // 5.1 lists `mnetservice` under `deprecatedplugintypes`: after the current top-level types.
              const without = (list: string[]) => list.filter((c) => c !== 'mnetservice_enrol')
              assert.deepEqual(without(order), without(expected.plugins.map((p) => p.component)))
              assert.ok(order.indexOf('mnetservice_enrol') > order.indexOf('smsgateway_aws'))
            }
            if (release === '4.1') {
              const present = (list: string[]) => list.filter((c) => !absentOn41(c))
              assert.deepEqual(present(order), present(expected.plugins.map((p) => p.component)))
            }
            const bare = await api('/plugins')
            assert.equal(bare.status, 200)
            assert.deepEqual(bare.json.plugins.map((p: Element) => p.component), order)
            assert.ok(bare.json.plugins.every((p: Element) => p.update_available === undefined && p.update_log === undefined))
          })

          it('describes a plugin with paths relative to the code directory', async () => {
            const res = await api('/plugin?plugin=mod_forum&displayupdates&displayupdateslog&displayconfig')
            assert.equal(res.status, 200, res.body)
            assert.equal(res.json.plugininfo.typerootdir, '/mod')
            assert.equal(res.json.plugininfo.rootdir, '/mod/forum')
            assert.equal(res.json.plugininfo.versiondisk, 2024100700)
            const xp = await api('/plugin?plugin=block_xp')
            assert.equal(xp.json.plugininfo.rootdir, '/blocks/xp')
            const mnet = await api('/plugin?plugin=mnetservice_enrol')
            assert.equal(mnet.status, 200, mnet.body)
            assert.equal(mnet.json.plugininfo.typerootdir, '/mnet/service')
            assert.equal(mnet.json.plugininfo.rootdir, '/mnet/service/enrol')
          })

          it('answers /moodle_core with the release of the site (updates only from a response fetched for its branch)', async () => {
            const res = await api('/moodle_core')
            assert.equal(res.status, 200, res.body)
            assert.equal(res.json.current_version, facts.core ? String(facts.core.version) : expectedCore['current_version'])
            assert.equal(res.json.current_release, releaseString)
            const offered = res.json.update_available.map((u: any) => [u.release, u.type])
            // The stored response was fetched on 4.5: on another branch Moodle ignores it.
            assert.deepEqual(offered, facts.core ? [] : expectedCore['update_available'].map((u: any) => [u.release, u.type]))
          })

          it('lists users and courses as on the fixture site', async () => {
            const users = await api('/users?fields=id,username&sort=id')
            assert.equal(users.status, 200)
            assert.equal(users.json.number_of_users, readExpected<any>('users-fields-sort-lastname', engine).number_of_users)
            const courses = await api('/courses?displaycategories&displaycourses')
            const want = readExpected<any>('courses', engine)
            assert.equal(courses.json.number_of_categories, want.number_of_categories)
            assert.equal(courses.json.number_of_courses, want.number_of_courses)
          })

          it('serves the core-backed item types of the Items API', async () => {
            for (const [type, table] of Object.entries(CORE_TYPES)) {
              const res = await items(`/api/v1/items?type=${type}&perpage=1`)
              assert.equal(res.status, 200, `${type}: ${JSON.stringify(res.json)}`)
              const where = type === 'course' ? ' WHERE category <> 0' : type === 'user' ? ' WHERE deleted = 0' : ''
              const [row] = await site.query(`SELECT COUNT(*) AS n FROM {${table}}${where}`)
              assert.equal(res.json.meta.total, Number(row!['n']), type)
            }
          })
        })
      }
    })
  }
}
