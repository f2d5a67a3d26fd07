/** mysql2 connection options from a `mysql://user:pass@host:port/db?socket=/path` URL. */
import type { ConnectionOptions } from 'mysql2/promise'

/** Options for `mysql.createConnection()`; `database` overrides the URL's path. */
export function mysqlOptions(url: string, database?: string): ConnectionOptions {
  const u = new URL(url)
  const socket = u.searchParams.get('socket')
  const db = database ?? decodeURIComponent(u.pathname.replace(/^\//, ''))
  return {
    ...(socket ? { socketPath: socket } : { host: u.hostname || '127.0.0.1', port: Number(u.port || 3306) }),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    ...(db ? { database: db } : {}),
    charset: 'UTF8MB4_UNICODE_CI',
  }
}
