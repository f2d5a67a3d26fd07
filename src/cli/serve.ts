import { dirname, resolve } from 'node:path'
import { createService } from '../service.ts'
import { configFrom, fail, listenOrClose, onShutdown, type CommonFlags } from './common.ts'

/** `serve`: the service beside a real Moodle site. */
export async function serveCommand(flags: CommonFlags): Promise<void> {
  try {
    const config = await configFrom(flags)
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
