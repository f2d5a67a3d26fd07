/**
 * A Moodle table the Items API reads, missing (issue #11 point 1): at start-up a one-line
 * MoodleSetupError naming it; gone while the service runs, a 503 with the stable reason
 * `moodle_table_missing` (never a 500), and back to 200 once the table is back. On a copy of each
 * configured fixture database (PostgreSQL; MariaDB with MB_TEST_MYSQL_URL).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { MoodleSetupError } from '../src/moodle/index.ts'
import { startItemsService } from './support/items-env.ts'
import { fixtureDbs } from './support/start-fixture-service.ts'
import { createMysqlCopy, createPgCopy, mysqlOptions, type DbCopy } from './support/test-env.ts'

/** A fixture user without any system role (the fixture's admin is 2). */
const PLAIN_USER = 3

for (const db of fixtureDbs().filter((d) => d === 'pgsql' || d === 'mariadb')) {
  describe(`Items API with a Moodle table missing (${db})`, () => {
    let copy: DbCopy
    const exec = async (statement: string) => {
      if (db === 'pgsql') {
        const client = new pg.Client({ connectionString: copy.url })
        await client.connect()
        try {
          await client.query(statement)
        } finally {
          await client.end()
        }
      } else {
        const conn = await mysql.createConnection(mysqlOptions(copy.url))
        try {
          await conn.query(statement)
        } finally {
          await conn.end()
        }
      }
    }
    const rename = (from: string, to: string) => exec(db === 'pgsql' ? `ALTER TABLE ${from} RENAME TO ${to}` : `RENAME TABLE ${from} TO ${to}`)

    before(async () => {
      copy = db === 'pgsql' ? await createPgCopy('items_missing_table') : await createMysqlCopy('items_missing_table')
    })
    after(async () => {
      await copy?.drop()
    })

    it('answers 503 moodle_table_missing while a table is gone, 200 once it is back', async () => {
      const items = await startItemsService(db, { db_name: copy.name })
      try {
        assert.equal((await items.request('/api/v1/items?type=cohort')).status, 200)
        await rename('mdl_cohort', 'mdl_cohort_gone')
        await rename('mdl_role_capabilities', 'mdl_role_capabilities_gone')
        for (const [path, user] of [['/api/v1/items?type=cohort', undefined], ['/api/v1/items?type=course', PLAIN_USER], ['/api/v1/items?type=user', PLAIN_USER]] as const) {
          const res = await items.request(path, { user })
          assert.equal(res.status, 503, `${path}: ${res.body}`)
          assert.equal(res.json.success, false)
          assert.equal(res.json.reason, 'moodle_table_missing')
          assert.equal(res.headers['retry-after'], '60')
        }
        await rename('mdl_cohort_gone', 'mdl_cohort')
        await rename('mdl_role_capabilities_gone', 'mdl_role_capabilities')
        assert.equal((await items.request('/api/v1/items?type=cohort')).status, 200)
        assert.equal((await items.request('/api/v1/items?type=course', { user: PLAIN_USER })).status, 403)
      } finally {
        await items.close()
      }
    })

    it('refuses to start naming the missing table in one line, and starts when the type is not served', async () => {
      await exec('DROP TABLE mdl_cohort')
      await assert.rejects(startItemsService(db, { db_name: copy.name }), (error: Error) => {
        assert.ok(error instanceof MoodleSetupError, String(error))
        assert.match(error.message, /^the Items API needs the Moodle table mdl_cohort, which the database lacks/)
        assert.ok(!error.message.includes('\n'), 'one line')
        return true
      })
      const without = await startItemsService(db, { db_name: copy.name, items_builtin_types: 'generic,company,course_group,course,course_category,user' })
      try {
        assert.equal((await without.request('/api/v1/items?type=course')).status, 200)
      } finally {
        await without.close()
      }
      // Switched off, the Items API does not stop the service either.
      const off = await startItemsService(db, { db_name: copy.name, mdg_core_api_enabled: false })
      await off.close()
    })
  })
}
