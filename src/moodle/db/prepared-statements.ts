import type pg from 'pg'

/** The default bound on named statements per connection (`preparedStatements: true`). */
export const DEFAULT_PREPARED_PER_CONNECTION = 100

/** Only data statements are prepared; transaction control, DDL and `SET` run as before. */
const PREPARABLE = /^\s*(?:select|with|insert|update|delete)\b/i

type QueryFn = (config: unknown, values?: unknown, callback?: unknown) => unknown

/**
 * Makes a pg client run its data statements as server-side prepared statements, so a repeated query
 * text is parsed (and, once PostgreSQL settles on a generic plan, planned) once per connection.
 *
 * The bound: at most `max` named statements live on one connection. The least recently used one is
 * dropped (`DEALLOCATE`, queued before the statement that replaces it) when a new text arrives at the
 * bound, so crafted filter combinations can cost at most `max` statements per connection, that is
 * `max × pool size` on the server for one pool; a connection's statements end with the connection.
 * Names are per connection (`mb_ps_<n>`); the text → name map keeps the same `max` texts.
 *
 * Only calls of the form `query(text, values[])` are affected (what Kysely sends); cursors, query
 * objects and callbacks pass through untouched.
 */
export function prepareStatementsOn(client: pg.Client, max: number): void {
  if (max <= 0) return
  const original = client.query.bind(client) as unknown as QueryFn
  const names = new Map<string, string>()
  let next = 0
  const wrapped: QueryFn = (config, values, callback) => {
    if (typeof config !== 'string' || !Array.isArray(values) || callback !== undefined || !PREPARABLE.test(config)) {
      return original(config, values, callback)
    }
    let name = names.get(config)
    if (name !== undefined) {
      // Most recently used last: the Map's insertion order is the eviction order.
      names.delete(config)
      names.set(config, name)
    } else {
      if (names.size >= max) evictOldest(client, names, original)
      name = `mb_ps_${++next}`
      names.set(config, name)
    }
    return original({ name, text: config, values })
  }
  ;(client as unknown as { query: QueryFn }).query = wrapped
}

function evictOldest(client: pg.Client, names: Map<string, string>, query: QueryFn): void {
  const [text, name] = names.entries().next().value as [string, string]
  names.delete(text)
  // pg remembers the statements the server has parsed per connection (an internal map).
  const parsed = (client as unknown as { connection?: { parsedStatements?: Record<string, string> } }).connection?.parsedStatements
  if (parsed) {
    // Not parsed: its Parse failed, so there is nothing on the server (one still in flight after
    // `max` newer texts would stay until the connection ends).
    if (parsed[name] === undefined) return
    delete parsed[name]
  }
  // Queued ahead of the next statement on this connection, and it cannot fail on a statement that
  // exists (inside a transaction a failure would abort it). A broken connection is reported by the
  // next statement, so this promise's rejection is dropped.
  ;(query(`DEALLOCATE ${name}`) as Promise<unknown>).catch(() => undefined)
}
