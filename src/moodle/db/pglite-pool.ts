import type { PGlite } from '@electric-sql/pglite'
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely'

/**
 * A `pg.Pool` look-alike over one PGlite instance, so Kysely's PostgresDialect (and its streaming
 * through cursors) works on the embedded engine. PGlite has a single session, so a "connection"
 * is an exclusive lease: transactions from concurrent requests never interleave. No published
 * dialect offered both the lease and cursor streaming, hence this adapter.
 */
export class PglitePool implements PostgresPool {
  private tail: Promise<void> = Promise.resolve()
  private cursorSeq = 0

  constructor(private readonly pglite: PGlite) {}

  async connect(): Promise<PostgresPoolClient> {
    let release!: () => void
    const leased = new Promise<void>((resolve) => (release = resolve))
    const previous = this.tail
    this.tail = previous.then(() => leased)
    await previous
    return new PgliteClient(this.pglite, release, () => `mb_cursor_${++this.cursorSeq}`)
  }

  async end(): Promise<void> {
    await this.tail
  }
}

class PgliteClient implements PostgresPoolClient {
  constructor(
    private readonly pglite: PGlite,
    private readonly releaseLease: () => void,
    private readonly cursorName: () => string,
  ) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (sqlOrCursor instanceof PgliteCursor) {
      sqlOrCursor.bind(this.pglite, this.cursorName())
      return sqlOrCursor as PostgresCursor<R>
    }
    return this.run<R>(sqlOrCursor as string, parameters ?? [])
  }

  private async run<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    const result = await this.pglite.query<R>(sql, [...parameters])
    const command = (/^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'SELECT') as PostgresQueryResult<R>['command']
    return { command, rowCount: result.affectedRows ?? result.rows.length, rows: result.rows }
  }

  release(): void {
    this.releaseLease()
  }
}

/** Cursor for PGlite: DECLARE … / FETCH n. Must be used inside a transaction, as Postgres requires. */
export class PgliteCursor<T> implements PostgresCursor<T> {
  private pglite: PGlite | undefined
  private name = ''
  private declared = false

  constructor(
    private readonly sql: string,
    private readonly parameters: unknown[],
  ) {}

  bind(pglite: PGlite, name: string): void {
    this.pglite = pglite
    this.name = name
  }

  async read(rowsCount: number): Promise<T[]> {
    const db = this.pglite
    if (!db) throw new Error('cursor used before it was bound to a client')
    if (!this.declared) {
      await db.query(`DECLARE ${this.name} NO SCROLL CURSOR FOR ${this.sql}`, this.parameters)
      this.declared = true
    }
    const result = await db.query<T>(`FETCH ${Math.max(1, Math.floor(rowsCount))} FROM ${this.name}`)
    return result.rows
  }

  async close(): Promise<void> {
    if (this.declared && this.pglite) await this.pglite.query(`CLOSE ${this.name}`)
    this.declared = false
  }
}

const pools = new WeakMap<PGlite, PglitePool>()

/** The one pool of a PGlite instance: Moodle reads and the service's store must share its lease. */
export function pglitePoolFor(pglite: PGlite): PglitePool {
  let pool = pools.get(pglite)
  if (!pool) pools.set(pglite, (pool = new PglitePool(pglite)))
  return pool
}
