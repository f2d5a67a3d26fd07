import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { resolve } from 'node:path'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { Config } from './config/index.ts'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { startHousekeeping } from './housekeeping.ts'
import { buildOpsServer, buildServer, registerJobMetrics, type OpsJobsSource } from './http/index.ts'
import {
  createDialect, currentDatabaseTarget, defaultStagingDir, installRootOf, MoodleSetupError, openMoodle, pingMoodle, setPhpRunAs, type PhpRunAs, recoverInterruptedCoreSwap, resolveDatabaseUrl, type DatabaseTarget, type Moodle,
} from './moodle/index.ts'
import { CallbackPacer, KeyState, SharedLockouts, moodleGate, MoopanelMetrics, moopanelJobRegistry, startUpdateRefresh, warmUpMoopanel, type MoopanelDeps } from './moopanel/index.ts'
import { countJobResults, countJobs, createWorker, findJob, listJobs, readJob, type JobRegistry } from './jobs/index.ts'
import { callbackJobsOf } from './moopanel/index.ts'
import { openStore, pingStore, type Store } from './store/index.ts'
import { createItemsApi, createItemsAuthenticator, SharedRateCounts, warmUpItems, type Extension, type ItemsApi, type ItemsAuthenticator } from './items/index.ts'
import { startWarmUp } from './shared/warm-start.ts'
import { Kysely } from 'kysely'
import { bindListener } from './shared/listen-error.ts'

/** The service's version, for the callbacks' User-Agent. */
const VERSION = '0.1.0'

/** A running (or ready to listen) service and how to stop it. */
export interface Service {
  app: FastifyInstance
  /**
   * The operations listener's app (health, readiness, metrics). Not with many sites (`setup.shared`):
   * the process's listener serves every site, so a site builds none (reading it throws).
   */
  ops: FastifyInstance
  /** Starts both listeners (the ops one unless `ops_listen` is `off`); returns their addresses. */
  listen(): Promise<{ api: string; ops: string | null }>
  /** Starts only the operations listener (null when `ops_listen` is `off`). */
  listenOps(): Promise<string | null>
  moodle: Moodle
  store: Store
  keys: KeyState
  /** The site's job types and their Moodle gate, for a worker the process runs (many sites). */
  jobs: { registry: JobRegistry; gate: () => Promise<{ hold: boolean; except?: string[] }> }
  /** Settles once the warm-up (what first requests would build) is done; `/readyz` answers 503 until then. */
  warmedUp: Promise<void>
  close(): Promise<void>
}

/** What start-up needs besides the configuration: a database given directly (demo). */
export interface ServiceSetup {
  /** `bin/moodle-bridge worker`: run workers whatever `job_workers` says (the API is not served). */
  workerOnly?: boolean
  database?: { target: DatabaseTarget; prefix: string; wwwroot: string; dataroot?: string }
  dirroot?: string
  nowMs?: () => number
  /** Items API: an authenticator to use instead of the real one (tests), extension objects, base dir of relative type files. */
  items?: { authenticator?: (moodle: Moodle) => ItemsAuthenticator; extensions?: Extension[]; baseDir?: string }
  /** Awaited by each warm-up attempt before it starts; a rejection fails that attempt (tests). */
  warmUpGate?: () => Promise<void>
  /**
   * One site of many (src/multi-site.ts): the process owns the shared store (this is the site's view
   * of it, not closed with the site), the job worker and the operations listener; the
   * site gets its logger (a child with its `site` field) and its metrics registry (labelled).
   */
  shared?: {
    store: Store
    registry: Registry
    log: FastifyBaseLogger
    lockouts: SharedLockouts
    rates: SharedRateCounts
    /** Trips the site's circuit breaker when its database cannot be reached; answers the seconds until it is tried again. */
    onUnavailable?: (error: unknown) => number
  }
}

/** Start-up in order: Moodle → store (migrations) → key state → HTTP. Shutdown in reverse. */
export async function createService(config: Config, setup: ServiceSetup = {}): Promise<Service> {
  const dirroot = setup.dirroot ?? config.moodle_dir
  if (!dirroot) throw new MoodleSetupError('moodle_dir (--moodle-dir, MOODLE_BRIDGE_MOODLE_DIR) is required')
  // A core update killed between its two renames leaves no Moodle root: finish that first.
  const recovered = setup.database
    ? null
    : await recoverInterruptedCoreSwap(installRootOf(dirroot), config.code_staging_dir ?? defaultStagingDir({ root: installRootOf(dirroot) }))
  const moodle = await openMoodle({
    dirroot,
    database: setup.database,
    poolSize: config.db_pool_size,
    reuseMs: config.read_reuse_ms,
    overrides: {
      dbtype: config.db_type, dbhost: config.db_host, dbport: config.db_port, dbsocket: config.db_socket,
      dbname: config.db_name, dbuser: config.db_user, dbpass: config.db_pass, prefix: config.db_prefix,
      dbschema: config.db_schema, wwwroot: config.wwwroot, dataroot: config.dataroot,
    },
  })
  setPhpRunAs(moodle, phpRunAsOf(config.php_run_as))
  let store: Store | undefined
  try {
    const shared = setup.shared
    // Many sites: the service's tables are in the process's shared store; the Items tables stay in
    // the site's own Moodle database (their queries join nothing across sites, and stay beside Moodle's).
    const stateTarget = shared
      ? currentDatabaseTarget(moodle)
      : config.state_url ? await resolveDatabaseUrl(config.state_url) : storeTargetFor(currentDatabaseTarget(moodle))
    store = shared
      ? shared.store
      : await openStore({
          dialect: createDialect(stateTarget),
          family: stateTarget.driver === 'mysql' ? 'mysql' : 'postgres',
          prefix: config.state_prefix,
          // A PGlite store of its own (pglite: URL) is closed with the store; the demo's is shared with Moodle.
          ownsConnection: stateTarget.driver !== 'pglite' || config.state_url !== undefined,
        })
    const nowMs = setup.nowMs ?? Date.now
    let closing: Promise<void> | undefined
    const keys = new KeyState(store, nowMs)
    await keys.applyConfig({ apiKey: config.api_key, apiEnabled: config.api_enabled })
    const registry = shared?.registry ?? new Registry()
    if (!shared) collectDefaultMetrics({ register: registry, prefix: 'moodle_bridge_process_' })
    const lockoutRule = { threshold: config.auth_lockout_threshold, windowS: config.auth_lockout_window_s, durationS: config.auth_lockout_duration_s }
    // Many sites: counted in the shared store, so every instance on it sees the same lock-outs.
    const lockout = shared?.lockouts.lockoutFor(store.site, lockoutRule)
    const deps: MoopanelDeps = {
      moodle,
      lockout,
      store,
      keys,
      nowMs,
      metrics: new MoopanelMetrics(registry),
      options: {
        ipAllowlist: config.ip_allowlist,
        trustedProxies: config.trusted_proxies,
        lockout: lockoutRule,
        maxBodyBytes: config.max_body_bytes,
        timezone: config.timezone ?? null,
        exposeSecretSettings: config.expose_secret_settings,
        queueMaxPending: config.queue_max_pending,
        idempotencyWindowS: config.idempotency_window_s,
      },
      shuttingDown: () => closing !== undefined,
      ...(shared?.onUnavailable && { siteUnavailable: shared.onUnavailable }),
    }
    // The Items API gets its own pool on the state database (its list and get endpoints are hot).
    // Its few query shapes repeat, so PostgreSQL keeps them prepared: at most 100 statements per
    // connection, i.e. 100 × db_pool_size on the server (docs/items-api.md, Performance).
    const itemsTarget = stateTarget.driver === 'pglite' ? stateTarget : { ...stateTarget, poolSize: config.db_pool_size }
    const itemsKysely = new Kysely<never>({ dialect: createDialect(itemsTarget, { preparedStatements: true }) })
    const itemsStore: Store = {
      db: itemsKysely as unknown as Store['db'],
      family: itemsTarget.driver === 'mysql' ? 'mysql' : 'postgres',
      prefix: config.state_prefix,
      site: store.site,
      forSite: () => { throw new Error('the Items pool is one site\'s') },
      close: async () => {
        if (itemsTarget.driver !== 'pglite') await itemsKysely.destroy()
      },
    }
    let itemsApi: ItemsApi | undefined
    const app = await buildServer({
      moopanel: deps,
      logLevel: config.log_level,
      logFormat: config.log_format,
      logger: shared?.log,
      items: async (log) => {
        let api: ItemsApi
        try {
          const authenticator = setup.items?.authenticator?.(moodle) ?? (await createItemsAuthenticator({ moodle, config, log }))
          api = await createItemsApi({
            config, moodle, store: itemsStore, authenticator, log,
            extensions: setup.items?.extensions, baseDir: setup.items?.baseDir,
            sharesMoodleDatabase: shared !== undefined || !config.state_url, nowMs,
            sharedRates: shared ? { counts: shared.rates, site: shared.store.site } : undefined,
            onUnavailable: shared?.onUnavailable,
          })
        } catch (error) {
          // A refused start (e.g. a missing Moodle table) must not leave the Items pool open.
          await itemsStore.close().catch(() => undefined)
          throw error
        }
        itemsApi = api
        return { ...api, close: async () => { await api.close(); await itemsStore.close() } }
      },
    })
    if (recovered) app.log.warn({ recovered }, 'interrupted core update swap found at start-up')
    const opened = store
    // Per site also with many sites: its rows of the shared store, its code staging area.
    const stopHousekeeping = startHousekeeping(opened, {
      jobRetentionDays: config.job_retention_days,
      auditRetentionDays: config.audit_retention_days,
      rollback: { stagingDir: config.code_staging_dir ?? defaultStagingDir(moodle), retentionDays: config.rollback_retention_days },
      nowMs,
      log: app.log,
    })
    // Everything a first request would build is built before /readyz says ready (issue #10).
    const warm = startWarmUp(
      async () => {
        if (setup.workerOnly) return // serves no API
        await setup.warmUpGate?.()
        await warmUpMoopanel(deps, app.log)
        if (itemsApi) await warmUpItems(itemsApi, moodle)
      },
      { log: app.log },
    )
    const jobsSource: OpsJobsSource = {
      list: (filter) => listJobs(opened, filter),
      read: (id) => readJob(opened, id),
      callbacksOf: (id) => callbackJobsOf(opened, id),
      resultOf: async (id) => (await findJob(opened, id))?.result ?? null,
      counts: () => countJobs(opened),
      resultCounts: (type) => countJobResults(opened, type),
    }
    // Many sites: no operations app per site (it would never listen; memory per open site counts,
    // issue #8); the site's job metrics still go to its registry, which the process's /metrics merges.
    const ops = shared
      ? null
      : await buildOpsServer({
          registry,
          ready: async () => (await pingMoodle(moodle)) && (await pingStore(opened)),
          notReadyReason: warm.notReadyReason,
          itemsDocument: () => itemsApi?.openapi.json ?? null,
          jobs: jobsSource,
        })
    if (!ops) registerJobMetrics(registry, jobsSource)
    const jobRegistry = moopanelJobRegistry({
        moodle,
        store: opened,
        callbackTarget: () => ({ apiKey: config.api_key ?? null, moopanelUrl: config.moopanel_url ?? null }),
        callbackMaxAgeS: config.callback_max_age_s,
        pacer: new CallbackPacer(config.callback_rate_per_minute, nowMs),
        userAgent: `moodle-bridge/${VERSION}`,
        code: {
          phpBinary: config.php_binary,
          stagingDir: config.code_staging_dir ?? defaultStagingDir(moodle),
          postChangeCommand: config.post_code_change_command ?? null,
        },
        packages: {
          allowedHosts: config.download_allowed_hosts,
          allowHttp: config.download_allow_http,
          pluginMaxBytes: config.plugin_download_max_bytes,
          coreMaxBytes: config.core_download_max_bytes,
          zipMaxEntries: config.zip_max_entries,
          zipMaxUncompressedBytes: config.zip_max_uncompressed_bytes,
          corePreservePaths: config.core_update_preserve_paths,
        },
        presets: { includeSensitive: config.presets_include_sensitive, timezone: config.timezone ?? null },
      })
    const gate = moodleGate(moodle, opened, nowMs)
    // Many sites: the process's one worker runs this site's jobs (src/multi-site.ts).
    const worker = shared
      ? null
      : createWorker({
          store: opened,
          registry: jobRegistry,
          owner: workerOwner(),
          concurrency: config.job_concurrency,
          leaseMs: config.job_lease_s * 1000,
          pollMs: 200,
          gate,
          nowMs,
          log: app.log,
        })
    if (worker && (config.job_workers === 'in-process' || setup.workerOnly)) worker.start()
    const stopUpdateRefresh = startUpdateRefresh(
      { moodle, store: opened },
      { mode: config.update_check, intervalS: config.update_check_interval_s, nowMs, log: app.log },
    )
    const listenOps = async () => {
      if (config.ops_listen === 'off' || !ops) return null
      const at = config.ops_listen.lastIndexOf(':')
      const [host, port] = [config.ops_listen.slice(0, at).replace(/^\[|\]$/g, ''), Number(config.ops_listen.slice(at + 1))]
      return bindListener('ops', host, port, () => ops.listen({ host, port }))
    }
    return {
      app,
      get ops(): FastifyInstance {
        if (!ops) throw new Error('a site of many has no operations app: the process\'s operations listener serves it (src/multi-site.ts)')
        return ops
      },
      listen: async () => ({
        api: await bindListener('api', config.host, config.port, () => app.listen({ host: config.host, port: config.port })),
        ops: await listenOps(),
      }),
      listenOps,
      moodle,
      store: opened,
      keys,
      jobs: { registry: jobRegistry, gate },
      warmedUp: warm.done,
      // Idempotent: a second signal or a second caller waits for the same shutdown.
      close: () =>
        (closing ??= (async () => {
          warm.stop()
          stopHousekeeping()
          stopUpdateRefresh()
          await app.close()
          await worker?.stop({ timeoutMs: 10_000 })
          await ops?.close()
          if (lockout) shared?.lockouts.release(opened.site, lockout)
          if (!shared) await opened.close()
          await moodle.close()
        })()),
    }
  } catch (error) {
    if (!setup.shared) await store?.close().catch(() => undefined)
    await moodle.close().catch(() => undefined)
    throw error
  }
}

/** A worker's `lease_owner`: unique per worker (host, process, random). */
export function workerOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
}

/** The store shares Moodle's database by default, through a small pool of its own. */
function storeTargetFor(target: DatabaseTarget): DatabaseTarget {
  return target.driver === 'pglite' ? target : { ...target, poolSize: 3 }
}

/** `php_run_as` as the adapter takes it. */
function phpRunAsOf(value: string): PhpRunAs {
  const ids = /^(\d+):(\d+)$/.exec(value)
  return ids ? { uid: Number(ids[1]), gid: Number(ids[2]) } : (value as 'auto' | 'self' | 'owner')
}
