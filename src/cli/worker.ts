import { dirname, resolve } from 'node:path'
import { createMultiSiteServer, processLogger } from '../multi-site.ts'
import { createService } from '../service.ts'
import { configFrom, fail, listenOrClose, onShutdown, type CommonFlags } from './common.ts'

/**
 * `worker`: runs job workers alone (for other machines or processes), sharing the queue in the
 * service's store; serves only the operations listener. API processes then run with
 * `job_workers: off`.
 */
export async function workerCommand(flags: CommonFlags): Promise<void> {
  try {
    const config = await configFrom(flags)
    if (config.sites) {
      // Many sites: one worker claims every site's jobs from the shared store (docs/sites.md).
      const log = processLogger(config)
      const server = await createMultiSiteServer(config, config.sites, log, { workerOnly: true })
      onShutdown(server.close)
      const { ops } = await listenOrClose(server.listen, server.close)
      log.info({ ops, sites: server.watch.current().sites.map((s) => s.id) }, 'job worker running for every site')
      return
    }
    const service = await createService(config, { workerOnly: true, ...(flags.config ? { items: { baseDir: dirname(resolve(flags.config)) } } : {}) })
    onShutdown(service.close)
    const ops = await listenOrClose(service.listenOps, service.close)
    service.app.log.info({ ops }, 'job worker running')
  } catch (error) {
    fail(error)
  }
}
