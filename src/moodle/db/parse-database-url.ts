import type { DatabaseTarget } from './open-database.ts'

/** A `postgres://` or `mysql://` URL as a connection target (for the service's own store). */
export function parseDatabaseUrl(url: string, poolSize = 5): DatabaseTarget {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new Error('state_url is not a valid URL')
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''))
  const common = {
    host: u.hostname || undefined,
    port: u.port ? Number(u.port) : undefined,
    database,
    user: decodeURIComponent(u.username),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    poolSize,
  }
  if (!database) throw new Error('state_url must name a database')
  if (u.protocol === 'postgres:' || u.protocol === 'postgresql:') {
    return { driver: 'postgres', ...common, socketDir: u.searchParams.get('host') ?? undefined }
  }
  if (u.protocol === 'mysql:' || u.protocol === 'mariadb:') {
    return { driver: 'mysql', ...common, socketPath: u.searchParams.get('socket') ?? undefined }
  }
  throw new Error('state_url must start with postgres://, mysql:// or pglite:')
}

/**
 * Like `parseDatabaseUrl`, and also `pglite:<directory>` (`pglite:///var/lib/moodle-bridge/state`):
 * the embedded engine keeping its data in that directory, for a store without a database server.
 * The engine is loaded only when asked for.
 */
export async function resolveDatabaseUrl(url: string, poolSize = 5): Promise<DatabaseTarget> {
  if (!url.startsWith('pglite:')) return parseDatabaseUrl(url, poolSize)
  const dataDir = decodeURIComponent(url.slice('pglite:'.length).replace(/^\/\/(?=\/)/, ''))
  if (!dataDir.startsWith('/')) throw new Error('state_url pglite: needs an absolute directory, e.g. pglite:///var/lib/moodle-bridge/state')
  const { PGlite } = await import('@electric-sql/pglite')
  return { driver: 'pglite', pglite: await PGlite.create({ dataDir }) }
}
