import type { PGlite } from '@electric-sql/pglite'
import { Kysely, MysqlDialect, PostgresDialect, type Dialect } from 'kysely'
import pg from 'pg'
import Cursor from 'pg-cursor'
import { createPool as createMysqlPool } from 'mysql2'
import { PgliteCursor, pglitePoolFor } from './pglite-pool.ts'
import { DEFAULT_PREPARED_PER_CONNECTION, prepareStatementsOn } from './prepared-statements.ts'
import { tablePrefixPlugin } from '../../shared/table-rename-plugin.ts'
import type { MoodleTables } from './tables.ts'

/** How to reach a Moodle database. */
export type DatabaseTarget =
  | {
      driver: 'postgres'
      host?: string
      port?: number
      /** Unix socket directory (libpq semantics); used instead of TCP when given. */
      socketDir?: string
      database: string
      user: string
      password?: string
      schema?: string
      ssl?: boolean
      poolSize: number
    }
  | {
      driver: 'mysql'
      host?: string
      port?: number
      socketPath?: string
      database: string
      user: string
      password?: string
      charset?: string
      poolSize: number
    }
  | { driver: 'pglite'; pglite: PGlite }

/** The SQL family a database speaks; PGlite is PostgreSQL. */
export type SqlFamily = 'postgres' | 'mysql'

/** An open database: the typed query builder plus what callers need to know about the engine. */
export interface MoodleDatabase {
  db: Kysely<MoodleTables>
  family: SqlFamily
  driver: DatabaseTarget['driver']
  prefix: string
  close(): Promise<void>
}

/** The prefix the table types are written with. */
const TYPED_PREFIX = 'mdl_'

const CONNECT_TIMEOUT_MS = 10_000
const STATEMENT_TIMEOUT_MS = 60_000

/** Opens a pooled connection to a Moodle database with the site's table prefix. */
export function openDatabase(target: DatabaseTarget, prefix: string): MoodleDatabase {
  const dialect = createDialect(target)
  // Table types are written with Moodle's default prefix; other prefixes are rewritten per query.
  const plugins = prefix === TYPED_PREFIX ? [] : [tablePrefixPlugin(TYPED_PREFIX, prefix)]
  const db = new Kysely<MoodleTables>({ dialect, plugins })
  return {
    db,
    family: target.driver === 'mysql' ? 'mysql' : 'postgres',
    driver: target.driver,
    prefix,
    close: () => db.destroy(),
  }
}

/** Options of a dialect beyond its target. */
export interface DialectOptions {
  /**
   * PostgreSQL (driver `postgres`) only: run data statements as named prepared statements, at most
   * this many per connection (`true`: 100), the least recently used dropped first (see
   * prepared-statements.ts). For pools whose few query shapes repeat (the Items API's).
   */
  preparedStatements?: boolean | number
}

/** A PostgreSQL target's connection settings for one client of its own (e.g. a LISTEN connection). */
export function pgClientConfig(target: Extract<DatabaseTarget, { driver: 'postgres' }>): pg.ClientConfig {
  return {
    host: target.socketDir ?? target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
    ssl: target.ssl ? { rejectUnauthorized: false } : undefined,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    // As Moodle does at connect time (moodle.md §1.3).
    options: target.schema ? `-c search_path=${quoteGucValue(target.schema)}` : undefined,
    application_name: 'moodle-bridge',
  }
}

/** Creates the Kysely dialect for a target; exported for the service's own store. */
export function createDialect(target: DatabaseTarget, options: DialectOptions = {}): Dialect {
  switch (target.driver) {
    case 'postgres': {
      const pool = new pg.Pool({ ...pgClientConfig(target), max: target.poolSize })
      // An idle connection dropped by the server (restart, failover) must not crash the process:
      // the pool discards it and the next query opens a new one.
      pool.on('error', () => undefined)
      const prepared = options.preparedStatements === true ? DEFAULT_PREPARED_PER_CONNECTION : options.preparedStatements || 0
      if (prepared > 0) pool.on('connect', (client) => prepareStatementsOn(client, prepared))
      return new PostgresDialect({ pool, cursor: Cursor })
    }
    case 'mysql': {
      const pool = createMysqlPool({
        host: target.socketPath ? undefined : target.host,
        port: target.port,
        socketPath: target.socketPath,
        database: target.database,
        user: target.user,
        password: target.password,
        charset: (target.charset ?? 'utf8mb4').toUpperCase() === 'UTF8MB4' ? 'UTF8MB4_UNICODE_CI' : target.charset,
        connectionLimit: target.poolSize,
        connectTimeout: CONNECT_TIMEOUT_MS,
        supportBigNumbers: true,
        bigNumberStrings: false,
        decimalNumbers: false,
        dateStrings: true,
      })
      // Moodle sets this on every connection (moodle.md §1.3).
      pool.on('connection', (connection) => {
        connection.query("SET SESSION sql_mode = 'STRICT_ALL_TABLES'")
      })
      return new MysqlDialect({ pool })
    }
    case 'pglite':
      return new PostgresDialect({ pool: pglitePoolFor(target.pglite), cursor: PgliteCursor })
  }
}

function quoteGucValue(value: string): string {
  if (!/^[A-Za-z0-9_$]+$/.test(value)) throw new Error('invalid PostgreSQL schema name')
  return value
}
