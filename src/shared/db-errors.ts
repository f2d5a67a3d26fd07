/**
 * Database driver errors that mean "the database cannot be reached or will not take this
 * connection" (as opposed to a query that is wrong): answered 503 rather than 500 where an API
 * says so, and with many sites they trip the site's circuit breaker (src/sites/site-router.ts).
 * Driver knowledge only (pg, mysql2, Node sockets); no Moodle knowledge.
 */

/** Node socket and mysql2 codes, and PostgreSQL SQLSTATEs, that mean the connection is gone or refused. */
const CONNECTION_CODES = new Set([
  // Node sockets / DNS
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE',
  // mysql2
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN', 'ER_BAD_DB_ERROR', 'ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR',
  // PostgreSQL: admin shutdown / crash shutdown / cannot connect now, too many connections, no such database, login refused
  '57P01', '57P02', '57P03', '53300', '3D000', '28P01', '28000',
])

/** pg's own errors, which carry no code. */
const PG_CONNECTION_MESSAGES = [
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
]

/** True for errors that mean the database cannot be reached (a wrapped error is looked through via `cause`). */
export function isConnectionFailure(error: unknown): boolean {
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | null | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    const code = typeof e.code === 'string' ? e.code : ''
    if (CONNECTION_CODES.has(code) || /^08/.test(code)) return true
    // A Unix socket that is not there (a file not found elsewhere is not a connection failure).
    if (code === 'ENOENT' && (e as { syscall?: unknown }).syscall === 'connect') return true
    const message = typeof e.message === 'string' ? e.message : ''
    // ALLOW_CONNECTIONS false: 55000 at connection time only (other 55000s are query errors).
    if (code === '55000' && /is not currently accepting connections/.test(message)) return true
    if (code === '' && PG_CONNECTION_MESSAGES.some((m) => message.includes(m))) return true
  }
  return false
}
