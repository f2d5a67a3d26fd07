import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import { createDemoSite } from '../demo/index.ts'
import { createService } from '../service.ts'
import { configFrom, fail, listenOrClose, onShutdown, type CommonFlags } from './common.ts'

/** `demo`: the service on a generated Moodle site in an embedded database. */
export async function demoCommand(flags: CommonFlags & { dir?: string; users?: string }): Promise<void> {
  try {
    const key = process.env['MOODLE_BRIDGE_MOOPANEL_KEY'] ?? process.env['MOODLE_BRIDGE_API_KEY'] ?? randomBytes(32).toString('base64url')
    process.env['MOODLE_BRIDGE_API_KEY'] = key
    const config = await configFrom(flags)
    const dir = resolve(flags.dir ?? join(process.cwd(), '.demo'))
    const site = await createDemoSite({ dir, users: flags.users ? Number(flags.users) : undefined, wwwroot: `http://${config.host}:${config.port}` })
    const service = await createService(config, {
      dirroot: site.dirroot,
      database: { target: { driver: 'pglite', pglite: site.pglite }, prefix: site.prefix, wwwroot: site.wwwroot, dataroot: site.dataroot },
    })
    const close = async () => {
      await service.close()
      await site.close()
    }
    onShutdown(close)
    await listenOrClose(service.listen, close)
    const base = `http://${config.host}:${config.port}/local/moopanel/server.php`
    process.stdout.write(
      `\nmoodle-bridge demo: ${site.counts.users} users, ${site.counts.courses} courses, ${site.counts.plugins} plugins\n` +
        `  API:      ${base}\n  API key:  ${key}\n` +
        `  try:      curl -H "X-API-KEY: ${key}" '${base}/plugins?displayupdates&displayupdateslog'\n\n`,
    )
  } catch (error) {
    fail(error)
  }
}
