/**
 * A private Moodle site for tests that change code or data: a copy of the fixture database
 * (PostgreSQL, or MariaDB when configured), an install directory of its own, a staging area, and a
 * store database of the same engine. Tests may run the service in-process or as a subprocess.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { buildTestMoodleDir } from './build-test-moodle-dir.ts'
import type { MoodleRelease } from './moodle-releases.ts'
import { createScratchPgDatabase } from './start-fixture-service.ts'
import { createMysqlCopy, createPgCopy, mysqlOptions, testEnv, type DbCopy } from './test-env.ts'

export const FAKE_PHP = resolve(import.meta.dirname, 'fake-php', 'php')

export type SiteEngine = 'pgsql' | 'mariadb'

export interface CodeChangeSite {
  engine: SiteEngine
  dir: string
  dataroot: string
  staging: string
  /** URL of the service's store database (same engine as the site). */
  stateUrl: string
  /** Runs SQL on the site's database; `{name}` is the prefixed table, `?` a parameter. */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>
  drop(): Promise<void>
}

/** The engines available in this run: PostgreSQL always, MariaDB when MB_TEST_MYSQL_URL is set. */
export function siteEngines(): SiteEngine[] {
  return testEnv().mysqlAdminUrl ? ['pgsql', 'mariadb'] : ['pgsql']
}

/** `release`: the Moodle release whose code tree the install directory imitates (test/support/moodle-releases.ts). */
export async function createCodeChangeSite(engine: SiteEngine, name: string, options: { release?: MoodleRelease } = {}): Promise<CodeChangeSite> {
  const env = testEnv()
  const copy: DbCopy = engine === 'pgsql' ? await createPgCopy(name) : await createMysqlCopy(name)
  const url = new URL(copy.url)
  const site = await buildTestMoodleDir({
    target: join(env.tmpDir, `moodle-${name}-${process.pid}`),
    dbtype: engine,
    ...(options.release ? { release: options.release } : {}),
    wwwroot: 'http://127.0.0.1:8081',
    db: {
      host: url.hostname,
      port: Number(url.port),
      name: copy.name,
      user: decodeURIComponent(url.username || 'postgres'),
      pass: decodeURIComponent(url.password),
    },
  })
  const staging = await mkdtemp(join(env.tmpDir, `staging-${name}-`))
  const stateName = `mb_state_${name}_${process.pid}`
  let state: { url: string; drop: () => Promise<void> }
  if (engine === 'pgsql') {
    state = await createScratchPgDatabase(stateName)
  } else {
    const admin = env.mysqlAdminUrl!
    const c = await mysql.createConnection(mysqlOptions(admin, ''))
    await c.query(`CREATE DATABASE \`${stateName}\` CHARACTER SET utf8mb4`)
    await c.end()
    const stateUrl = new URL(admin)
    stateUrl.pathname = `/${stateName}`
    state = {
      url: stateUrl.toString(),
      drop: async () => {
        const d = await mysql.createConnection(mysqlOptions(admin, ''))
        await d.query(`DROP DATABASE IF EXISTS \`${stateName}\``)
        await d.end()
      },
    }
  }
  const config = await readFile(site.configPath, 'utf8')
  const prefix = /\$CFG->prefix\s*=\s*'([^']*)'/.exec(config)?.[1] ?? 'mdl_'
  const named = (sql: string) => sql.replace(/\{([a-z_]+)\}/g, (_, t: string) => `${prefix}${t}`)
  const query = async (sql: string, params: unknown[] = []) => {
    if (engine === 'pgsql') {
      const client = new pg.Client({ connectionString: copy.url })
      await client.connect()
      try {
        let n = 0
        return (await client.query(named(sql).replace(/\?/g, () => `$${++n}`), params)).rows as Record<string, unknown>[]
      } finally {
        await client.end()
      }
    }
    const conn = await mysql.createConnection(mysqlOptions(copy.url, copy.name))
    try {
      const [rows] = await conn.query(named(sql), params)
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : []
    } finally {
      await conn.end()
    }
  }
  return {
    engine,
    dir: site.dir,
    dataroot: site.dataroot,
    staging,
    stateUrl: state.url,
    query,
    async drop() {
      await state.drop().catch(() => undefined)
      await copy.drop().catch(() => undefined)
      await rm(site.dir, { recursive: true, force: true })
      await rm(staging, { recursive: true, force: true })
    },
  }
}
