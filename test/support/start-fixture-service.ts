import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { PGlite } from '@electric-sql/pglite'
import { parseConfig, type Config } from '../../src/config/index.ts'
import { createService, type Service } from '../../src/service.ts'
import { assertDocumented } from './moopanel-openapi-check.ts'
import { fixturePath, pgAdmin, testEnv } from './test-env.ts'

/** The key the tests configure (the dump's own 20-character key is below the 32-character minimum). */
export const TEST_KEY = 'test-key-0123456789abcdefghijklmnopqrstuvwxyz'

export type FixtureDb = 'pgsql' | 'mariadb' | 'pglite'

/** A service over one fixture database, its store in a scratch PostgreSQL database. */
export interface FixtureService {
  service: Service
  db: FixtureDb
  /** The scratch database of the service's store. */
  stateUrl: string
  /** GET (or another method) on the API with the test key; the answer is checked against the OpenAPI document. */
  api(path: string, init?: { method?: string; headers?: Record<string, string>; body?: string; key?: string | null; remoteAddress?: string }): Promise<{ status: number; headers: Record<string, unknown>; body: string; json: any }>
  close(): Promise<void>
}

let scratch = 0

/** Which fixture databases this run has: PostgreSQL always, MariaDB when configured. */
export function fixtureDbs(): FixtureDb[] {
  return testEnv().moodleDirMysql ? ['pgsql', 'mariadb'] : ['pgsql']
}

/** The expected/ folder of a fixture database: PGlite holds the PostgreSQL dump. */
export function expectedSet(db: FixtureDb): 'pgsql' | 'mariadb' {
  return db === 'mariadb' ? 'mariadb' : 'pgsql'
}

/** The PostgreSQL dump loaded into a new in-memory PGlite (the embedded engine), once per process. */
let pglite: Promise<PGlite> | undefined
function fixturePglite(): Promise<PGlite> {
  pglite ??= (async () => {
    const db = await PGlite.create()
    await db.exec(gunzipSync(readFileSync(fixturePath('moodle-pgsql.sql.gz'))).toString('utf8'))
    return db
  })()
  return pglite
}

/** Starts the service (not listening; requests go through `inject`) over a fixture database. */
export async function startFixtureService(db: FixtureDb, options: Record<string, unknown> = {}): Promise<FixtureService> {
  const env = testEnv()
  const moodleDir = db === 'mariadb' ? env.moodleDirMysql : env.moodleDirPg
  if (!moodleDir) throw new Error('MariaDB is not configured')
  const state = await createScratchPgDatabase(`mb_state_${process.pid}_${++scratch}`)
  const config: Config = parseConfig({ moodle_dir: moodleDir, api_key: TEST_KEY, state_url: state.url, log_level: 'silent', ...options })
  const service =
    db === 'pglite'
      ? await createService(config, {
          database: { target: { driver: 'pglite', pglite: await fixturePglite() }, prefix: 'mdl_', wwwroot: 'http://127.0.0.1:8081' },
        })
      : await createService(config)
  return {
    service,
    db,
    stateUrl: state.url,
    async api(path, init = {}) {
      const headers: Record<string, string> = { ...(init.headers ?? {}) }
      if (init.key !== null) headers['x-api-key'] = init.key ?? TEST_KEY
      const url = `/local/moopanel/server.php${path}`
      const res = await service.app.inject({
        method: (init.method ?? 'GET') as 'GET',
        url,
        headers,
        payload: init.body,
        remoteAddress: init.remoteAddress,
      })
      let json: unknown = undefined
      try {
        json = JSON.parse(res.body)
      } catch {
        json = undefined
      }
      assertDocumented(init.method ?? 'GET', res.raw.req.url ?? url, { status: res.statusCode, headers: res.headers, body: res.body })
      return { status: res.statusCode, headers: res.headers, body: res.body, json }
    },
    async close() {
      await service.close()
      await state.drop()
    },
  }
}

/** An empty PostgreSQL database on the test server; `drop()` removes it. */
export async function createScratchPgDatabase(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const env = testEnv()
  const admin = pgAdmin
  await admin(`CREATE DATABASE "${name}"`)
  const url = new URL(env.pgAdminUrl)
  url.pathname = `/${name}`
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) }
}
