/**
 * moodle-bridge over the real site for `npm run test:real`, in-process and listening on free
 * loopback ports, with a generated key, its store in a private PGlite folder (nothing of the
 * service's own lands in Moodle's database), a stand-in MooPanel for the callbacks and a local
 * package server for ZIP installs and plugin updates. Requests go over real HTTP.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Kysely } from 'kysely'
import { parseConfig } from '../../src/config/index.ts'
import { createService, type Service } from '../../src/service.ts'
import { startPackageServer, type PackageServer } from '../../test/support/package-server.ts'
import { startStandInPanel, type StandInPanel } from '../../test/support/stand-in-panel.ts'
import type { RealEnv } from './real-site.ts'

/** The Items API's mount path the suite configures (items-api.md §2.1). */
export const ITEMS_MOUNT = '/local/middag/index.php'

export interface HttpAnswer {
  status: number
  headers: Headers
  body: string
  json: any
}

export interface RealService {
  service: Service
  key: string
  /** `http://127.0.0.1:<port>` of the API listener. */
  origin: string
  panel: StandInPanel
  files: PackageServer
  staging: string
  /** Moodle's database through the service's adapter (`mdl_` names are rewritten to the site's prefix). */
  db: Kysely<any>
  /** A management-API request (`path` below /local/moopanel/server.php), `{data}` body when given. */
  api(path: string, method?: string, data?: unknown): Promise<HttpAnswer>
  /** An Items API request (`path` below the mount path). */
  items(path: string, headers?: Record<string, string>): Promise<HttpAnswer>
  /** Polls /tasks/check until the job leaves state 2 (the callback was accepted or given up). */
  settled(id: number, type: string, timeoutMs?: number): Promise<{ status: number; error: string }>
  close(): Promise<void>
}

async function answer(res: Response): Promise<HttpAnswer> {
  const body = await res.text()
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, body, json }
}

export async function startRealService(env: RealEnv): Promise<RealService> {
  const key = randomBytes(24).toString('base64url')
  const panel = await startStandInPanel({ apiKey: key })
  const files = await startPackageServer()
  const stateDir = await mkdtemp(join(tmpdir(), 'mb-test-real-store-'))
  // The staging area must be on the Moodle root's file system (code is swapped in by rename).
  const staging = env.stagingDir ?? (await mkdtemp(join(dirname(env.moodleDir), '.moodle-bridge-test-real-')))
  const cleanup = async () => {
    await panel.stop().catch(() => undefined)
    await files.stop().catch(() => undefined)
    await rm(stateDir, { recursive: true, force: true })
    if (!env.stagingDir) await rm(staging, { recursive: true, force: true })
  }
  let service: Service
  try {
    service = await createService(
      parseConfig({
        moodle_dir: env.moodleDir,
        api_key: key,
        state_url: `pglite://${stateDir}`,
        log_level: process.env['MB_REAL_LOG_LEVEL'] || 'silent',
        host: '127.0.0.1',
        port: 0,
        ops_listen: '127.0.0.1:0',
        php_binary: env.php,
        php_run_as: env.phpRunAs,
        moopanel_url: panel.url,
        update_check: 'off',
        download_allow_http: true,
        download_allowed_hosts: ['127.0.0.1'],
        code_staging_dir: staging,
        mdg_core_api_enabled: true,
        items_mount_path: ITEMS_MOUNT,
        items_rate_limit_enabled: false,
      }),
    )
  } catch (error) {
    await cleanup()
    throw error
  }
  const { api: origin } = await service.listen()
  // Ready as /readyz would say (the warm-up of issue #10 point 2, where the service has it).
  await (service as Service & { warmedUp?: Promise<void> }).warmedUp
  const api = async (path: string, method = 'GET', data?: unknown) =>
    answer(
      await fetch(`${origin}/local/moopanel/server.php${path}`, {
        method,
        headers: { 'x-api-key': key, ...(data === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(data === undefined ? {} : { body: JSON.stringify({ data }) }),
      }),
    )
  return {
    service,
    key,
    origin,
    panel,
    files,
    staging,
    db: service.moodle.db as unknown as Kysely<any>,
    api,
    items: async (path, headers = {}) => answer(await fetch(`${origin}${ITEMS_MOUNT}${path}`, { headers })),
    async settled(id, type, timeoutMs = 600_000) {
      for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(250)) {
        const res = await api(`/tasks/check?id=${id}&type=${type}`)
        if (res.status !== 200) throw new Error(`/tasks/check answered ${res.status}: ${res.body}`)
        if (res.json.status !== 2) return res.json
      }
      throw new Error(`job ${id} (${type}) did not settle within ${timeoutMs} ms`)
    },
    async close() {
      await service.close().catch(() => undefined)
      await cleanup()
    },
  }
}
