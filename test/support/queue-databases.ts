/**
 * For the engine's tests across sites (jobs-across-sites.test.ts, listen-for-jobs.test.ts): scratch
 * databases as job-engine.test.ts makes them — PGlite always, PostgreSQL when MB_TEST_PG_ADMIN_URL
 * is set, MariaDB/MySQL when MB_TEST_MYSQL_URL is set — each store opened on its own connection
 * pool (as separate processes have), optionally counting the statements it sends.
 */
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { PGlite } from '@electric-sql/pglite'
import type { DatabaseConnection, Dialect, Driver } from 'kysely'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { createDialect, parseDatabaseUrl } from '../../src/moodle/index.ts'
import { openStore, type Store } from '../../src/store/index.ts'

/** Statements sent through a store's connections (transaction begin and commit included). */
export interface StatementCounter {
  count: number
}

export interface OpenedDatabase {
  /** A store on its own pool; `counter` counts what it sends. */
  open(prefix: string, counter?: StatementCounter): Promise<Store>
  /** A `pg.Client` configuration of the scratch database (PostgreSQL only). */
  pgConnection?: pg.ClientConfig
  drop(): Promise<void>
}

export interface TestDatabase {
  name: string
  /** Several pools on one database (false for PGlite, a single connection). */
  pools: boolean
  skip: string | false
  setup(): Promise<OpenedDatabase>
}

/** The scratch databases of one test file; `tag` keeps files running at once apart. */
export function testDatabases(tag: string): TestDatabase[] {
  const scratchName = `mb_${tag}_${process.pid}_${Date.now() % 100_000}`
  return [
    {
      name: 'PGlite',
      pools: false,
      skip: false,
      async setup() {
        const pglite = new PGlite()
        return {
          open: (prefix, counter) =>
            openStore({ dialect: counted(createDialect({ driver: 'pglite', pglite }), counter), family: 'postgres', prefix, ownsConnection: false }),
          drop: () => pglite.close(),
        }
      },
    },
    {
      name: 'PostgreSQL',
      pools: true,
      skip: !process.env.MB_TEST_PG_ADMIN_URL && 'MB_TEST_PG_ADMIN_URL is not set',
      async setup() {
        const adminUrl = process.env.MB_TEST_PG_ADMIN_URL!
        const admin = new pg.Client({ connectionString: adminUrl })
        await admin.connect()
        await admin.query(`CREATE DATABASE ${scratchName}`)
        const url = new URL(adminUrl)
        url.pathname = `/${scratchName}`
        return {
          open: (prefix, counter) =>
            openStore({ dialect: counted(createDialect(parseDatabaseUrl(url.href, 8)), counter), family: 'postgres', prefix, ownsConnection: true }),
          pgConnection: { connectionString: url.href },
          async drop() {
            await admin.query(`DROP DATABASE IF EXISTS ${scratchName} WITH (FORCE)`)
            await admin.end()
          },
        }
      },
    },
    {
      name: 'MariaDB',
      pools: true,
      skip: !process.env.MB_TEST_MYSQL_URL && 'MB_TEST_MYSQL_URL is not set',
      async setup() {
        const adminUrl = new URL(process.env.MB_TEST_MYSQL_URL!)
        const admin = await mysql.createConnection({
          host: adminUrl.hostname || '127.0.0.1',
          port: Number(adminUrl.port || 3306),
          user: decodeURIComponent(adminUrl.username || 'root'),
          password: decodeURIComponent(adminUrl.password),
        })
        await admin.query(`CREATE DATABASE ${scratchName} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
        const url = new URL(adminUrl.href)
        url.pathname = `/${scratchName}`
        return {
          open: (prefix, counter) =>
            openStore({ dialect: counted(createDialect(parseDatabaseUrl(url.href, 8)), counter), family: 'mysql', prefix, ownsConnection: true }),
          async drop() {
            await admin.query(`DROP DATABASE IF EXISTS ${scratchName}`)
            await admin.end()
          },
        }
      },
    },
  ]
}

/** The dialect with every statement of its connections counted (the driver's own begin/commit included). */
function counted(dialect: Dialect, counter: StatementCounter | undefined): Dialect {
  if (!counter) return dialect
  const countingConnection = (connection: DatabaseConnection): DatabaseConnection =>
    new Proxy(connection, {
      get(target, property) {
        if (property === 'executeQuery' || property === 'streamQuery') counter.count++
        const value: unknown = Reflect.get(target, property, target)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver(): Driver {
      const driver = dialect.createDriver()
      const wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>()
      return {
        init: () => driver.init(),
        destroy: () => driver.destroy(),
        async acquireConnection() {
          const connection = await driver.acquireConnection()
          let proxy = wrapped.get(connection)
          if (!proxy) wrapped.set(connection, (proxy = countingConnection(connection)))
          return proxy
        },
        beginTransaction: (connection, settings) => driver.beginTransaction(connection, settings),
        commitTransaction: (connection) => driver.commitTransaction(connection),
        rollbackTransaction: (connection) => driver.rollbackTransaction(connection),
        releaseConnection: (connection) => driver.releaseConnection(connection),
        ...(driver.savepoint && { savepoint: driver.savepoint.bind(driver) }),
        ...(driver.rollbackToSavepoint && { rollbackToSavepoint: driver.rollbackToSavepoint.bind(driver) }),
        ...(driver.releaseSavepoint && { releaseSavepoint: driver.releaseSavepoint.bind(driver) }),
      }
    },
  }
}

/** Polls until `check` is true; fails after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await sleep(10)
  }
}
