import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Config } from './config/index.ts'
import { countUnfinishedJobs } from './jobs/index.ts'
import { createService } from './service.ts'
import { AddressList } from './shared/client-address.ts'
import { bindListener } from './shared/listen-error.ts'
import { SiteRouter, watchSitesFile, type SiteApp, type SiteEntry, type SitesWatch } from './sites/index.ts'

/** Where a multi-site process reports what happens (pino's shape). */
export interface MultiSiteLog {
  info(object: object, message: string): void
  warn(object: object, message: string): void
  error(object: object, message: string): void
}

export interface MultiSiteServer {
  readonly router: SiteRouter
  readonly watch: SitesWatch
  listen(): Promise<{ api: string }>
  close(): Promise<void>
}

/**
 * Many sites in one process (issue #8, first step): one listener routes each request by host and
 * prefix (`sites` file, docs/sites.md) to that site's own service — its Moodle pool, store, key
 * state, lock-out, caches, Items API and job worker — opened on the site's first request and closed
 * after `sites_idle_close_s` without requests or unfinished jobs. A site that cannot open answers
 * 503 for itself only and is retried with back-off; the sites file is followed (SIGHUP, changes).
 * Not yet: one shared store and scheduler across sites, and per-site operations listeners.
 */
export async function createMultiSiteServer(config: Config, sitesPath: string, log: MultiSiteLog): Promise<MultiSiteServer> {
  const trusted = new AddressList(config.trusted_proxies)
  // The Items API's paths get its error envelope (a site's own mount path is known only once it is open).
  const isItemsPath = (path: string) => path.includes('/local/middag/') || (config.items_mount_path !== undefined && path.startsWith(config.items_mount_path))
  let router: SiteRouter | undefined
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
  })
  router = new SiteRouter({
    plan: watch.current(),
    open: (site) => openSite(site),
    trustedProxy: (address) => trusted.contains(address),
    renderError: (path, status, retryAfterS) => {
      if (isItemsPath(path)) {
        const reason = status === 404 ? 'not_found' : 'site_unavailable'
        const message = status === 404 ? 'Not found.' : `The site is unavailable; try again in ${retryAfterS ?? 1} s.`
        return { contentType: 'application/json; charset=utf-8', body: JSON.stringify({ success: false, reason, message }) }
      }
      const error = status === 404 ? 'Not found.' : 'Service Unavailable - try again later.'
      return { contentType: 'application/json; charset=utf-8', body: JSON.stringify({ error }) }
    },
    idleCloseMs: config.sites_idle_close_s * 1000,
    onEvent: (event) => (event.type === 'open_failed' ? log.warn(event, 'site could not be opened') : log.info(event, `site ${event.type}`)),
  })
  const server: Server = createServer(router.handle)
  const opened = router
  return {
    router,
    watch,
    listen: async () => {
      await bindListener('api', config.host, config.port, () => new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(config.port, config.host, () => {
          server.off('error', reject)
          resolve()
        })
      }))
      const address = server.address() as AddressInfo
      return { api: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}` }
    },
    close: async () => {
      watch.stop()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
      })
      await opened.close()
    },
  }
}

/** One site's own service, ready to route requests to; no listener of its own. */
async function openSite(site: SiteEntry): Promise<SiteApp> {
  const service = await createService({ ...site.config, ops_listen: 'off' })
  try {
    await service.app.ready()
  } catch (error) {
    await service.close().catch(() => undefined)
    throw error
  }
  return {
    handle: (req, res) => service.app.routing(req, res),
    close: () => service.close(),
    busy: async () => (await countUnfinishedJobs(service.store)) > 0,
  }
}
