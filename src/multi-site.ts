import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import pino, { type DestinationStream, type LoggerOptions } from 'pino'
import { AggregatorRegistry, collectDefaultMetrics, Registry } from 'prom-client'
import { ConfigError, type Config } from './config/index.ts'
import { buildOpsServer, loggerOptions } from './http/index.ts'
import { countUnfinishedJobs, createWorker, listenForJobs, type Worker } from './jobs/index.ts'
import { createDialect, pgClientConfig, resolveDatabaseUrl } from './moodle/index.ts'
import { createService, workerOwner, type Service } from './service.ts'
import { AddressList } from './shared/client-address.ts'
import { bindListener } from './shared/listen-error.ts'
import { SiteRouter, watchSitesFile, type SiteApp, type SiteEntry, type SiteHooks, type SitesWatch } from './sites/index.ts'
import { openStore, pingStore, type Store } from './store/index.ts'
import { moopanelErrorReply, SharedLockouts } from './moopanel/index.ts'
import { itemsErrorReply, ItemsErrors, SharedRateCounts } from './items/index.ts'

export interface MultiSiteServer {
  readonly router: SiteRouter<OpenSite>
  readonly watch: SitesWatch
  /** The shared store (site '' view): every site's rows, apart by their site column. */
  readonly store: Store
  /** Starts the API listener (unless worker-only) and the operations listener (unless `ops_listen: off`). */
  listen(): Promise<{ api: string | null; ops: string | null }>
  close(): Promise<void>
}

/** An open site: its request handler and the parts the process's worker runs its jobs with. */
interface OpenSite extends SiteApp {
  service: Service
}

/**
 * Many sites in one process (issue #8, docs/sites.md): one listener routes each request by host and
 * prefix to its site. The process owns what all sites share: ONE store (`state_url`; every service
 * table has a site column), ONE job worker claiming fairly across sites (its `job_concurrency` is
 * the process's cap on concurrent jobs, i.e. PHP processes; `sites_job_concurrency` the cap per
 * site), and the operations listener (metrics labelled by `site`). Each site's own
 * parts — its Moodle pool, Items API and pool (in its own Moodle database), caches, key state and
 * lock-out (kept in the shared store) — open on its first request or job and close after
 * `sites_idle_close_s` without either; at most `sites_max_open` are open at once (the least
 * recently used idle one is closed first), which bounds open database connections. A site that
 * cannot open answers 503 for itself only and is retried with back-off.
 */
export async function createMultiSiteServer(
  config: Config,
  sitesPath: string,
  log: FastifyBaseLogger,
  options: { workerOnly?: boolean } = {},
): Promise<MultiSiteServer> {
  if (!config.state_url) {
    throw new ConfigError('sites needs state_url (MOODLE_BRIDGE_STATE_URL): the one store of every site\'s jobs, keys and audit (docs/sites.md)')
  }
  const stateTarget = await resolveDatabaseUrl(config.state_url)
  const store = await openStore({
    dialect: createDialect(stateTarget),
    family: stateTarget.driver === 'mysql' ? 'mysql' : 'postgres',
    prefix: config.state_prefix,
    ownsConnection: true,
  })
  // Lock-outs and Items budgets of every site, exchanged with the other instances once a second.
  const onSharingError = (error: unknown) => log.warn({ err: error }, 'shared store unreachable: lock-outs and budgets count in memory meanwhile')
  const lockouts = new SharedLockouts(store, { onError: onSharingError })
  const rates = new SharedRateCounts(store, { onError: onSharingError })
  lockouts.start()
  rates.start()
  const processRegistry = new Registry()
  collectDefaultMetrics({ register: processRegistry, prefix: 'moodle_bridge_process_' })
  const siteRegistries = new Map<string, Registry>()
  const trusted = new AddressList(config.trusted_proxies)
  // The Items API's paths get its error envelope (a site's own mount path is known only once it is open).
  const isItemsPath = (path: string) => path.includes('/local/middag/') || (config.items_mount_path !== undefined && path.startsWith(config.items_mount_path))
  let router: SiteRouter<OpenSite> | undefined
  let worker: Worker | undefined
  const watch = await watchSitesFile({
    path: sitesPath,
    base: config,
    onPlan: async (plan, change) => {
      log.info(
        { added: change.added.map((s) => s.id), removed: change.removed.map((s) => s.id), changed: change.changed.map((c) => c.after.id) },
        'sites file changed',
      )
      await router?.apply(plan, change)
    },
    onRefused: (reason) => log.error({ reason }, 'sites file refused: the sites in force stay'),
  }).catch(async (error: unknown) => {
    await lockouts.stop()
    await rates.stop()
    await store.close().catch(() => undefined)
    throw error
  })

  const openSite = async (site: SiteEntry, hooks: SiteHooks): Promise<OpenSite> => {
    const registry = new Registry()
    registry.setDefaultLabels({ site: site.id })
    const service = await createService(
      { ...site.config, ops_listen: 'off' },
      {
        shared: { store: store.forSite(site.id), registry, log: log.child({ site: site.id }), lockouts, rates, onUnavailable: hooks.unavailable },
        workerOnly: options.workerOnly,
      },
    )
    try {
      await service.app.ready()
    } catch (error) {
      await service.close().catch(() => undefined)
      throw error
    }
    siteRegistries.set(site.id, registry)
    return {
      service,
      handle: (req, res) => service.app.routing(req, res),
      close: async () => {
        if (siteRegistries.get(site.id) === registry) siteRegistries.delete(site.id)
        await service.close()
      },
      busy: async () => (await countUnfinishedJobs(service.store)) > 0,
    }
  }

  router = new SiteRouter<OpenSite>({
    plan: watch.current(),
    open: openSite,
    trustedProxy: (address) => trusted.contains(address),
    // Each API's own error body (src/shared/error-catalogue.ts): no site is named.
    renderError: (path, status, retryAfterS) => {
      if (isItemsPath(path)) {
        const error = status === 404 ? ItemsErrors.routeNotFound() : ItemsErrors.siteUnavailable(retryAfterS ?? 1)
        return { contentType: 'application/json; charset=utf-8', body: String(itemsErrorReply(error).body) }
      }
      const reply = moopanelErrorReply(status === 404 ? 'MB_NOT_FOUND' : 'MB_SERVICE_BUSY')
      return { contentType: 'application/json; charset=utf-8', body: JSON.stringify(reply.body) }
    },
    idleCloseMs: config.sites_idle_close_s * 1000,
    maxOpen: config.sites_max_open,
    onEvent: (event) =>
      event.type === 'open_failed'
        ? log.warn(event, 'site could not be opened')
        : event.type === 'unavailable'
          ? log.warn(event, 'site out of service: its database cannot be reached')
          : log.info(event, `site ${event.type}`),
  })
  const sites = router

  const jobsWanted = options.workerOnly || config.job_workers === 'in-process'
  const listener = jobsWanted && stateTarget.driver === 'postgres'
    ? listenForJobs({ connection: pgClientConfig(stateTarget), prefix: config.state_prefix, log })
    : null
  if (jobsWanted) {
    worker = createWorker({
      store,
      owner: workerOwner(),
      concurrency: config.job_concurrency,
      leaseMs: config.job_lease_s * 1000,
      pollMs: 1_000,
      log,
      allSites: {
        perSiteConcurrency: config.sites_job_concurrency,
        run: (site, job) => sites.use(site, (app) => job({ registry: app.service.jobs.registry, gate: app.service.jobs.gate })),
      },
      // PostgreSQL: woken by LISTEN/NOTIFY, polling only as a safety net (MariaDB polls).
      ...(listener ? { wakeups: listener } : {}),
    })
    worker.start()
  }

  const ops: FastifyInstance = await buildOpsServer({
    registry: processRegistry,
    metrics: async () => {
      const all = await Promise.all([processRegistry, ...siteRegistries.values()].map((r) => r.getMetricsAsJSON()))
      return AggregatorRegistry.aggregate(all).metrics()
    },
    ready: () => pingStore(store),
  })
  const server: Server = createServer(sites.handle)
  let closing: Promise<void> | undefined
  return {
    router: sites,
    watch,
    store,
    listen: async () => {
      let api: string | null = null
      if (!options.workerOnly) {
        await bindListener('api', config.host, config.port, () => listenOn(server, config.host, config.port))
        api = urlOf(server)
      }
      let opsUrl: string | null = null
      if (config.ops_listen !== 'off') {
        const at = config.ops_listen.lastIndexOf(':')
        const [host, port] = [config.ops_listen.slice(0, at).replace(/^\[|\]$/g, ''), Number(config.ops_listen.slice(at + 1))]
        opsUrl = await bindListener('ops', host, port, () => ops.listen({ host, port }))
      }
      return { api, ops: opsUrl }
    },
    close: () =>
      (closing ??= (async () => {
        watch.stop()
        await new Promise<void>((resolve) => {
          if (!server.listening) return resolve()
          server.close(() => resolve())
          server.closeIdleConnections()
        })
        await worker?.stop({ timeoutMs: 10_000 })
        await listener?.close()
        await sites.close()
        await lockouts.stop()
        await rates.stop()
        await ops.close()
        await store.close()
      })()),
  }
}

function listenOn(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

function urlOf(server: Server): string {
  const address = server.address() as AddressInfo
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
}

/** The process's logger with many sites (each site logs through a child with its `site` field). */
export function processLogger(config: Pick<Config, 'log_level' | 'log_format'>): FastifyBaseLogger {
  const { stream, ...options } = loggerOptions(config.log_level, config.log_format) as LoggerOptions & { stream?: DestinationStream }
  return pino({ ...options, base: undefined }, stream ?? pino.destination(1)) as unknown as FastifyBaseLogger
}
