/** A value written into a generated SQL statement. */
export type SqlValue = string | number | null

/** One table row: column name → value. Omitted columns take the column default. */
export type SqlRow = Record<string, SqlValue>

/** Where generated SQL goes (a PGlite instance satisfies it). */
export interface SqlSink {
  exec(sql: string): Promise<unknown>
}

/** A PostgreSQL literal (standard_conforming_strings on: only `'` needs doubling). */
export function sqlLiteral(value: SqlValue): string {
  if (value === null) return 'NULL'
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} to SQL`)
    return String(value)
  }
  if (value.includes('\0')) throw new Error('NUL characters cannot be stored in PostgreSQL text')
  return `'${value.replaceAll("'", "''")}'`
}

interface PendingTable {
  columns: string[]
  values: string[]
}

/**
 * Buffers rows and writes them as multi-row INSERT statements, several statements per `exec`
 * round trip, so that generating a large site does not pay one round trip per row. Memory stays
 * bounded: the buffer is written whenever it exceeds `maxBufferChars`.
 */
export class BulkInsert {
  private readonly pending = new Map<string, PendingTable>()
  private buffered = 0
  private readonly maxIds = new Map<string, number>()

  constructor(
    private readonly sink: SqlSink,
    private readonly rowsPerStatement = 1000,
    private readonly maxBufferChars = 4_000_000,
  ) {}

  /** Queues one row; every row of a table must have the same columns in the same order. */
  async insert(table: string, row: SqlRow): Promise<void> {
    const columns = Object.keys(row)
    let pending = this.pending.get(table)
    if (!pending) {
      pending = { columns, values: [] }
      this.pending.set(table, pending)
    } else if (pending.columns.length !== columns.length || pending.columns.some((c, i) => c !== columns[i])) {
      throw new Error(`rows of ${table} must all have the columns ${pending.columns.join(', ')}`)
    }
    const tuple = `(${columns.map((c) => sqlLiteral(row[c] ?? null)).join(',')})`
    pending.values.push(tuple)
    this.buffered += tuple.length
    const id = row.id
    if (typeof id === 'number' && id > (this.maxIds.get(table) ?? 0)) this.maxIds.set(table, id)
    if (this.buffered >= this.maxBufferChars) await this.flush()
  }

  /** Queues several rows of one table. */
  async insertAll(table: string, rows: Iterable<SqlRow>): Promise<void> {
    for (const row of rows) await this.insert(table, row)
  }

  /** Writes every buffered row. */
  async flush(): Promise<void> {
    const statements: string[] = []
    for (const [table, pending] of this.pending) {
      const head = `INSERT INTO ${table} (${pending.columns.join(', ')}) VALUES\n`
      for (let i = 0; i < pending.values.length; i += this.rowsPerStatement) {
        statements.push(`${head}${pending.values.slice(i, i + this.rowsPerStatement).join(',\n')};`)
      }
      pending.values = []
    }
    this.buffered = 0
    if (statements.length > 0) await this.sink.exec(statements.join('\n'))
  }

  /** Writes what is buffered, then moves every `<table>_id_seq` past the highest id inserted. */
  async finish(): Promise<void> {
    await this.flush()
    const setvals = [...this.maxIds].map(([table, id]) => `SELECT setval('${table}_id_seq', ${id}, true);`)
    if (setvals.length > 0) await this.sink.exec(setvals.join('\n'))
  }
}
