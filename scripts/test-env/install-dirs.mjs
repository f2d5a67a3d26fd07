/** Builds the test Moodle install directories (`<tmp>/moodle-pg`, `<tmp>/moodle-mariadb`) for one run. */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseMysqlUrl } from './mariadb.mjs'

/**
 * Loads the TypeScript builder (test/support/build-test-moodle-dir.ts) through tsx and builds one dir
 * for PostgreSQL and, with `mysql`, one for MariaDB. Returns { pg, mysql? } as the builder reports them.
 */
export async function buildInstallDirs({ repoRoot, tmp, fixturesDir, pg, mysql }) {
  const { register } = await import('tsx/esm/api')
  register()
  const builder = pathToFileURL(join(repoRoot, 'test/support/build-test-moodle-dir.ts')).href
  const { buildTestMoodleDir } = await import(builder)
  const dirs = {}
  dirs.pg = await buildTestMoodleDir({
    target: join(tmp, 'moodle-pg'),
    dbtype: 'pgsql',
    db: { host: '127.0.0.1', port: pg.port, name: pg.dbName, user: 'postgres', pass: '' },
    wwwroot: 'http://127.0.0.1:8081',
    fixturesDir,
  })
  if (mysql) {
    const c = parseMysqlUrl(mysql.adminUrl)
    dirs.mysql = await buildTestMoodleDir({
      target: join(tmp, 'moodle-mariadb'),
      dbtype: 'mariadb',
      db: { host: c.socket ? 'localhost' : c.host, port: c.port, name: mysql.dbName, user: c.user, pass: c.password, socket: c.socket },
      wwwroot: 'http://127.0.0.1:8082',
      fixturesDir,
    })
  }
  return dirs
}
