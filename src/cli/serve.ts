import { dirname, resolve } from 'node:path'
import { createMultiSiteServer, processLogger } from '../multi-site.ts'
import { createService } from '../service.ts'
import { configFrom, fail, listenOrClose, onShutdown, type CommonFlags } from './common.ts'

/** `serve`: the service beside a real Moodle site. */
export async function serveCommand(flags: CommonFlags): Promise<void> {
  try {
    const config = await configFrom(flags)
    if (config.sites) return await serveSites(config, config.sites)
    // Relative items_type_files / items_extensions resolve against the configuration file's folder.
    const service = await createService(config, flags.config ? { items: { baseDir: dirname(resolve(flags.config)) } } : {})
    onShutdown(service.close)
    const { ops } = await listenOrClose(service.listen, service.close)
    if (ops) service.app.log.info({ ops }, 'operations listener (healthz, readyz, metrics)')
    if (!service.keys.apiEnabled) service.app.log.warn('the MooPanel API is disabled: set MOODLE_BRIDGE_MOOPANEL_KEY or run `moopanel enable`')
  } catch (error) {
    fail(error)
  }
}

/** `serve` with a sites file: many sites behind one listener (docs/sites.md). */
async function serveSites(config: Awaited<ReturnType<typeof configFrom>>, sitesPath: string): Promise<void> {
  const log = processLogger(config)
  const server = await createMultiSiteServer(config, sitesPath, log)
  onShutdown(server.close)
  const { api, ops } = await listenOrClose(server.listen, server.close)
  log.info({ api, ops, sites: server.watch.current().sites.map((s) => s.id) }, 'serving sites')
}
