import { Readable } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import { pingMoodle } from '../moodle/index.ts'
import type { MoopanelDeps } from './context.ts'
import { resolveRoute } from './routing.ts'

/** The read requests whose first answer builds something (inventory, site identity, settings, saved replies). */
const WARM_REQUESTS: Array<[endpoint: string, subPath: string, query: string[]]> = [
  ['test_connection', '', []],
  ['dashboard', '', []],
  ['plugins', '', []],
  ['plugins', '', ['displayupdates']],
  ['plugins', '', ['displayupdateslog']],
  ['plugins', '', ['displayupdates', 'displayupdateslog']],
  ['moodle_core', '', []],
  ['users', 'count', []],
  ['users', 'online', []],
  ['courses', '', ['displaycategories', 'displaycourses']],
]

/**
 * Builds, before the service reports ready, what the first requests of the management API would
 * build: the plugin inventory (disk catalog, language strings, upgrade log), the site identity,
 * the settings these read, and the saved /plugins and /moodle_core replies. It runs the read
 * handlers themselves (no authentication, no audit, nothing written), so what a first request
 * finds is exactly what they leave. Throws when the site cannot be read (the caller retries).
 */
export async function warmUpMoopanel(deps: MoopanelDeps, log: FastifyBaseLogger): Promise<void> {
  await deps.keys.refresh()
  // Opens the pool's connections, so a first burst of requests does not wait for connection set-up.
  const target = deps.moodle.target
  const poolSize = 'poolSize' in target ? target.poolSize : 1
  await Promise.all(Array.from({ length: poolSize }, () => pingMoodle(deps.moodle)))
  // Each read twice or more: the first builds, the repeats let the hot paths get compiled.
  for (let round = 0; round < WARM_ROUNDS; round++) {
    for (const [endpoint, subPath, flags] of WARM_REQUESTS) {
      if (round > 0 && endpoint !== 'plugins' && endpoint !== 'moodle_core') continue
      const resolved = resolveRoute(endpoint, subPath, 'GET')
      if (resolved.kind !== 'route') throw new Error(`no route for GET /${endpoint}/${subPath}`)
      const reply = await resolved.route.handler({
        method: 'GET', endpoint, subPath, query: new Map(flags.map((f) => [f, ''])), payload: {}, deps, log,
      })
      if (reply.body instanceof Readable) reply.body.destroy()
      if (reply.status >= 500) throw new Error(`GET /${endpoint}${subPath ? `/${subPath}` : ''} answered ${reply.status}`)
    }
  }
}

/** Rounds over the saved-reply endpoints (cheap once built). */
const WARM_ROUNDS = 20
