/**
 * A service with the Items API over a fixture database, for the items-* tests. The items tables
 * live in a scratch state database of the same engine family: PostgreSQL for `pgsql`, MariaDB for
 * `mariadb`, and the embedded engine itself for `pglite`.
 */
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { PGlite } from '@electric-sql/pglite'
import mysql from 'mysql2/promise'
import { parseConfig } from '../../src/config/index.ts'
import type { Extension } from '../../src/items/index.ts'
import { createService, type Service } from '../../src/service.ts'
import { createTestItemsAuthenticator, type TestAuthOptions } from './items-test-auth.ts'
import { createScratchPgDatabase, fixtureDbs, TEST_KEY, type FixtureDb } from './start-fixture-service.ts'
import { fixturePath, mysqlOptions, testEnv } from './test-env.ts'

export const MOUNT = '/local/middag/index.php'
export const API = `${MOUNT}/api/v1`
/** The fixture's site administrator. */
export const ADMIN = 2

/** The databases the items tests run on: every configured fixture, plus the embedded engine. */
export function itemsDbs(): FixtureDb[] {
  return [...fixtureDbs(), 'pglite']
}

let pglite: Promise<PGlite> | undefined
function fixturePglite(): Promise<PGlite> {
  pglite ??= (async () => {
    const db = await PGlite.create()
    await db.exec(gunzipSync(readFileSync(fixturePath('moodle-pgsql.sql.gz'))).toString('utf8'))
    return db
  })()
  return pglite
}

let scratch = 0

async function scratchMysql(): Promise<{ url: string; drop: () => Promise<void> }> {
  const env = testEnv()
  const name = `mb_items_${process.pid}_${++scratch}`
  const conn = await mysql.createConnection(mysqlOptions(env.mysqlAdminUrl!, ''))
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`)
  await conn.end()
  const url = new URL(env.mysqlAdminUrl!)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      const c = await mysql.createConnection(mysqlOptions(env.mysqlAdminUrl!, ''))
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``)
      await c.end()
    },
  }
}

export interface ItemsResponse {
  status: number
  headers: Record<string, string | string[] | number | undefined>
  body: string
  json: any
}

export interface RequestInit {
  method?: string
  /** Moodle user id to authenticate as (test authenticator); null sends no credentials. Default: admin. */
  user?: number | null
  body?: unknown
  /** Raw body text (sent as is). */
  raw?: string
  headers?: Record<string, string>
  remoteAddress?: string
}

export interface ItemsService {
  service: Service
  db: FixtureDb
  /** The state database's URL (null on the embedded engine). */
  stateUrl: string | null
  /** A request to a path relative to the mount path, e.g. `/api/v1/items`. */
  request(path: string, init?: RequestInit): Promise<ItemsResponse>
  close(): Promise<void>
}

/** Starts the service with the Items API enabled (unless options say otherwise) over `db`. */
export async function startItemsService(
  db: FixtureDb,
  options: Record<string, unknown> = {},
  setup: { auth?: TestAuthOptions; extensions?: Extension[]; baseDir?: string; realAuth?: boolean } = {},
): Promise<ItemsService> {
  const env = testEnv()
  let state: { url: string; drop: () => Promise<void> } | null = null
  if (db === 'pgsql') state = await createScratchPgDatabase(`mb_items_${process.pid}_${++scratch}`)
  if (db === 'mariadb') state = await scratchMysql()
  const moodleDir = db === 'mariadb' ? env.moodleDirMysql! : env.moodleDirPg
  const config = parseConfig({
    moodle_dir: moodleDir,
    api_key: TEST_KEY,
    log_level: 'silent',
    mdg_core_api_enabled: true,
    items_rate_limit_enabled: false,
    ...(state ? { state_url: state.url } : {}),
    ...options,
  })
  const items = { authenticator: setup.realAuth ? undefined : (moodle: Parameters<typeof createTestItemsAuthenticator>[0]) => createTestItemsAuthenticator(moodle, setup.auth), extensions: setup.extensions, baseDir: setup.baseDir }
  let service: Service
  try {
    service =
      db === 'pglite'
        ? await createService(config, {
            database: { target: { driver: 'pglite', pglite: await fixturePglite() }, prefix: 'mdl_', wwwroot: 'http://127.0.0.1:8081' },
            items,
          })
        : await createService(config, { items })
  } catch (error) {
    await state?.drop()
    throw error
  }
  return {
    service,
    db,
    stateUrl: state?.url ?? null,
    async request(path, init = {}) {
      const headers: Record<string, string> = { ...(init.headers ?? {}) }
      const user = init.user === undefined ? ADMIN : init.user
      if (user !== null && headers.authorization === undefined) headers.authorization = `Bearer test-user-${user}`
      let payload: string | undefined = init.raw
      if (init.body !== undefined) {
        payload = JSON.stringify(init.body)
        headers['content-type'] ??= 'application/json'
      }
      const res = await service.app.inject({
        method: (init.method ?? 'GET') as 'GET',
        url: `${MOUNT}${path}`,
        headers,
        payload,
        remoteAddress: init.remoteAddress,
      })
      let json: unknown
      try {
        json = JSON.parse(res.body)
      } catch {
        json = undefined
      }
      return { status: res.statusCode, headers: res.headers, body: res.body, json }
    },
    async close() {
      await service.close()
      await state?.drop()
    },
  }
}

/** `filters` query value. */
export const f = (filters: unknown) => encodeURIComponent(JSON.stringify(filters))
