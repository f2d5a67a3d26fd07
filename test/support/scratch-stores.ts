/**
 * Empty scratch databases on the test servers (PostgreSQL always, MariaDB when configured) and
 * stores opened on them, each on its own connection pool, as separate instances would be.
 */
import mysql from 'mysql2/promise'
import { createDialect, parseDatabaseUrl } from '../../src/moodle/index.ts'
import { openStore, type Store } from '../../src/store/index.ts'
import { mysqlOptions } from './mysql-url.ts'
import { pgAdmin, testEnv } from './test-env.ts'

/** A scratch database: its family, URL, a way to open a store on it, and its removal. */
export interface ScratchStoreDb {
  family: 'postgres' | 'mysql'
  url: string
  /** A store on a pool of its own (`poolSize` connections), migrated; close it before `drop`. */
  open(options?: { prefix?: string; site?: string; poolSize?: number }): Promise<Store>
  drop(): Promise<void>
}

let made = 0

/** The engines the tests run a store on: name and whether to skip. */
export function scratchEngines(): Array<{ name: 'PostgreSQL' | 'MariaDB'; skip: string | false }> {
  return [
    { name: 'PostgreSQL', skip: !process.env.MB_TEST_PG_ADMIN_URL && 'MB_TEST_PG_ADMIN_URL is not set (run with npm test)' },
    { name: 'MariaDB', skip: !process.env.MB_TEST_MYSQL_URL_DB && !process.env.MB_TEST_MYSQL_URL && 'MariaDB is not configured (MB_TEST_MYSQL_URL)' },
  ]
}

/** Creates an empty database on the engine's test server. */
export async function createScratchStoreDb(engine: 'PostgreSQL' | 'MariaDB', label: string): Promise<ScratchStoreDb> {
  const name = `mb_${label.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30)}_${process.pid}_${++made}`
  const env = testEnv()
  let url: URL
  let drop: () => Promise<void>
  if (engine === 'PostgreSQL') {
    await pgAdmin(`CREATE DATABASE "${name}"`)
    url = new URL(env.pgAdminUrl)
    drop = () => pgAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  } else {
    const admin = env.mysqlAdminUrl ?? process.env.MB_TEST_MYSQL_URL!
    const run = async (statement: string) => {
      const conn = await mysql.createConnection(mysqlOptions(admin, ''))
      try {
        await conn.query(statement)
      } finally {
        await conn.end()
      }
    }
    await run(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
    url = new URL(admin)
    drop = () => run(`DROP DATABASE IF EXISTS \`${name}\``)
  }
  url.pathname = `/${name}`
  const family = engine === 'PostgreSQL' ? 'postgres' : 'mysql'
  return {
    family,
    url: url.href,
    open: (options = {}) =>
      openStore({
        dialect: createDialect(parseDatabaseUrl(url.href, options.poolSize ?? 2)),
        family,
        prefix: options.prefix ?? 'mb_',
        ownsConnection: true,
        ...(options.site === undefined ? {} : { site: options.site }),
      }),
    drop,
  }
}
