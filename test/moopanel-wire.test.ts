/**
 * Wire compatibility: every read endpoint against the original plugin's recorded answers on the same
 * site (fixtures/moodle-4.5/expected), on PostgreSQL and, when configured, MariaDB. Differences are
 * only the spec's documented deviations (moopanel-api.md Appendix A), each applied explicitly below.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { expectedSet, fixtureDbs, startFixtureService, type FixtureDb, type FixtureService } from './support/start-fixture-service.ts'
import { readExpected as readExpectedOf } from './support/test-env.ts'

/** A26: server paths become relative to the Moodle root. */
const relative = (p: string | null) => (p === null ? null : p.replace(/^\/var\/www\/moodle/, ''))
/** §3.9: update versions are strings with the update server's digits. */
const stringVersion = (u: Record<string, unknown>) => ({ ...u, version: String(u['version']) })

// PostgreSQL, the embedded engine (PGlite, loaded with the same PostgreSQL dump) and MariaDB.
for (const db of [...fixtureDbs(), 'pglite'] as FixtureDb[]) {
  const readExpected = <T = any>(name: string) => readExpectedOf<T>(name, expectedSet(db))
  describe(`wire compatibility on ${db}`, () => {
    let s: FixtureService
    before(async () => {
      s = await startFixtureService(db)
    })
    after(async () => {
      await s?.close()
    })

    it('answers / and /test_connection exactly as the original plugin', async () => {
      for (const path of ['', '/', '/test_connection']) {
        const res = await s.api(path)
        assert.equal(res.status, 200)
        assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
        assert.deepEqual(res.json, readExpected('root'))
      }
    })

    it('answers /dashboard exactly as the original plugin', async () => {
      assert.deepEqual((await s.api('/dashboard')).json, readExpected('dashboard'))
    })

    it('answers /users/count exactly as the original plugin', async () => {
      const res = await s.api('/users/count')
      assert.equal(res.body, JSON.stringify(readExpected('users-count')))
    })

    it('lists users with the same rows, all values strings, sorted by last name then id', async () => {
      const expected = readExpected<{ number_of_users: number; users: Array<Record<string, string>> }>('users-fields-sort-lastname')
      const res = await s.api('/users?fields=id,username,firstname,lastname&sort=lastname')
      assert.equal(res.status, 200)
      assert.equal(res.json.number_of_users, expected.number_of_users)
      const byId = (rows: Array<Record<string, string>>) => [...rows].sort((a, b) => Number(a['id']) - Number(b['id']))
      assert.deepEqual(byId(res.json.users), byId(expected.users))
      // The last-name sequence is fixed by the database collation (MariaDB's utf8mb4_unicode_ci
      // treats García and Garcia as equal, so compare its sequence case- and accent-folded); ties
      // are broken by id (A19).
      const fold = (name: string) =>
        db === 'mariadb' ? name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase() : name
      assert.deepEqual(
        res.json.users.map((u: Record<string, string>) => fold(u['lastname']!)),
        expected.users.map((u) => fold(u['lastname']!)),
      )
      const users = res.json.users as Array<Record<string, string>>
      for (let i = 1; i < users.length; i++) {
        if (fold(users[i]!['lastname']!) === fold(users[i - 1]!['lastname']!)) {
          assert.ok(Number(users[i]!['id']) > Number(users[i - 1]!['id']))
        }
      }
      for (const u of users) for (const v of Object.values(u)) assert.equal(typeof v, 'string')
    })

    it('lists the same categories and courses, in sortorder and id order (A48)', async () => {
      const expected = readExpected<any>('courses')
      const res = await s.api('/courses?displaycategories&displaycourses')
      assert.equal(res.json.number_of_categories, expected.number_of_categories)
      assert.equal(res.json.number_of_courses, expected.number_of_courses)
      const bySort = [...expected.categories].sort((a: any, b: any) => a.sort - b.sort || a.id - b.id)
      assert.deepEqual(res.json.categories, bySort)
      assert.deepEqual(res.json.courses, [...expected.courses].sort((a: any, b: any) => a.id - b.id))
    })

    it('lists the same plugins, in the same order, with the same fields', async () => {
      const expected = readExpected<any>('plugins')
      const res = await s.api('/plugins?displayupdates&displayupdateslog')
      assert.equal(res.status, 200)
      assert.equal(res.json.last_check_for_updates, expected.last_check_for_updates)
      assert.deepEqual(
        res.json.plugins.map((p: any) => p.component),
        expected.plugins.map((p: any) => p.component),
      )
      for (let i = 0; i < expected.plugins.length; i++) {
        const want = { ...expected.plugins[i], update_available: expected.plugins[i].update_available.map(stringVersion) }
        assert.deepEqual(res.json.plugins[i], want, `plugin ${want.component}`)
      }
    })

    it('answers /moodle_core as the original plugin, with version digits kept and `component` added (A35)', async () => {
      const expected = readExpected<any>('moodle_core')
      const res = await s.api('/moodle_core')
      const core = (u: any) => ({ compotent: 'core', component: 'core', ...u, version: u.version })
      const want = {
        ...expected,
        update_available: expected.update_available.map((u: any) => core({ ...u, version: `${u.version}.00` })),
      }
      assert.deepEqual(res.json, want)
    })

    for (const name of ['mod_forum', 'block_xp']) {
      it(`answers /plugin for ${name} with relative paths (A26) and {} dependencies (A27)`, async () => {
        const expected = readExpected<any>(`plugin-${name}`)
        const res = await s.api(`/plugin?plugin=${name}&displayupdates&displayupdateslog&displayconfig`)
        const want = {
          ...expected,
          plugininfo: {
            ...expected.plugininfo,
            typerootdir: relative(expected.plugininfo.typerootdir),
            rootdir: relative(expected.plugininfo.rootdir),
            dependencies: Array.isArray(expected.plugininfo.dependencies) ? {} : expected.plugininfo.dependencies,
          },
          update_available: expected.update_available.map(stringVersion),
        }
        // The spec defines `supported`/`incompatible` as the same values as `pluginsupported`/
        // `pluginincompatible`; the original plugin sent null there.
        want.plugininfo.supported = want.plugininfo.pluginsupported
        want.plugininfo.incompatible = want.plugininfo.pluginincompatible
        assert.deepEqual(res.json, want)
      })
    }
  })
}
