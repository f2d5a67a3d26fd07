/**
 * Many fixture sites for the many-sites tests: PostgreSQL copies (`CREATE DATABASE … TEMPLATE`) and
 * MariaDB copies of the fixture, each with its own course name (`Site <id>`, read back as
 * `site_fullname`), its own key, and its sites-file entry (by host, by prefix, or both).
 */
import mysql from 'mysql2/promise'
import pg from 'pg'
import { createMysqlCopy, createPgCopy, mysqlOptions, pgAdmin, type DbCopy } from './test-env.ts'

export interface FixtureSite {
  id: string
  engine: 'pgsql' | 'mariadb'
  copy: DbCopy
  /** The Host header that reaches it. */
  host: string
  /** '' or `/<id>`: the prefix before `/local/moopanel/server.php/`. */
  prefix: string
  key: string
  /** Its course 1's full name, as GET / answers it in `site_fullname`. */
  name: string
  moodleDir: string
}

export type Routing = 'host' | 'prefix' | 'both'

/** The host that prefix-and-host sites share, and the host a prefix-only site is asked with. */
export const SHARED_HOST = 'campus.example.org'
export const ANY_HOST = 'any.example.org'

/** A key of at least 32 characters, distinct per site and per `version`. */
export function siteKey(id: string, version = 1): string {
  return `key-${id}-v${version}-0123456789abcdefghijklmnopqrstuvwxyz`
}

/** Creates one site's database copy and names its course; routing decides its host and prefix. */
export async function createFixtureSite(id: string, engine: 'pgsql' | 'mariadb', routing: Routing, moodleDir: string): Promise<FixtureSite> {
  const copy = engine === 'pgsql' ? await createPgCopy(`ms_${id}`) : await createMysqlCopy(`ms_${id}`)
  const name = `Site ${id}`
  try {
    await setCourseName(copy, engine, name)
  } catch (error) {
    await copy.drop().catch(() => undefined)
    throw error
  }
  const host = routing === 'host' ? `${id}.example.org` : routing === 'both' ? SHARED_HOST : ANY_HOST
  return { id, engine, copy, host, prefix: routing === 'host' ? '' : `/${id}`, key: siteKey(id), name, moodleDir }
}

async function setCourseName(copy: DbCopy, engine: 'pgsql' | 'mariadb', name: string): Promise<void> {
  if (engine === 'pgsql') {
    const client = new pg.Client({ connectionString: copy.url })
    await client.connect()
    try {
      await client.query('UPDATE mdl_course SET fullname = $1 WHERE id = 1', [name])
    } finally {
      await client.end()
    }
    return
  }
  const conn = await mysql.createConnection(mysqlOptions(copy.url))
  try {
    await conn.query('UPDATE mdl_course SET fullname = ? WHERE id = 1', [name])
  } finally {
    await conn.end()
  }
}

/**
 * One sites-file entry (YAML flow mapping); `options` are added to the site's own. Each site's
 * Moodle pool is one connection: every open site also keeps its store's and its Items API's pools,
 * and the test PostgreSQL server allows 100 connections in all (no global cap exists yet).
 */
export function siteEntry(site: FixtureSite, options: Record<string, string | number | boolean> = {}): string {
  const opts = { db_name: site.copy.name, api_key: site.key, db_pool_size: 1, ...options }
  const hosts = site.prefix === '' || site.host === SHARED_HOST ? `, hosts: [${site.host}]` : ''
  const prefix = site.prefix ? `, path_prefix: ${site.prefix}` : ''
  const optionText = Object.entries(opts).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')
  return `  - { id: ${site.id}, moodle_dir: ${site.moodleDir}${hosts}${prefix}, options: { ${optionText} } }\n`
}

/**
 * Makes a PostgreSQL site's database unreachable (no new connections, its sessions ended) or
 * reachable again.
 */
export async function setPgReachable(copy: DbCopy, reachable: boolean): Promise<void> {
  await pgAdmin(`ALTER DATABASE "${copy.name}" ALLOW_CONNECTIONS ${reachable ? 'true' : 'false'}`)
  if (!reachable) await pgAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${copy.name}' AND pid <> pg_backend_pid()`)
}
