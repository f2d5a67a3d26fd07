/** A value written into a table. */
export type SqlValue = string | number | null

/** One table row: column name → value. Omitted columns take the column default. */
export type SqlRow = Record<string, SqlValue>

/** Where rows go: PGlite (its `COPY … FROM '/dev/blob'` reads the `blob` query option). */
export interface SqlSink {
  exec(sql: string): Promise<unknown>
  query(sql: string, params?: unknown[], options?: { blob?: Blob }): Promise<unknown>
}

/** One CSV field for `COPY … WITH (FORMAT csv)`: NULL is an unquoted empty field, text is quoted. */
export function csvField(value: SqlValue): string {
  if (value === null) return ''
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot store ${value}`)
    return String(value)
  }
  if (value.includes('\0')) throw new Error('NUL characters cannot be stored in PostgreSQL text')
  return `"${value.replaceAll('"', '""')}"`
}

interface PendingTable {
  columns: string[]
  lines: string[]
}

/**
 * Buffers rows and loads them with one `COPY` per table and flush, which is several times faster
 * than INSERT statements in PGlite. Memory stays bounded: the buffer is written whenever it holds
 * more than `maxBufferChars` characters. `finish()` moves the id sequences past the loaded ids.
 */
export class BulkInsert {
  private readonly pending = new Map<string, PendingTable>()
  private readonly maxIds = new Map<string, number>()
  private buffered = 0

  constructor(
    private readonly sink: SqlSink,
    private readonly maxBufferChars = 8_000_000,
  ) {}

  /** Queues one row; every row of a table must have the same columns in the same order. */
  async insert(table: string, row: SqlRow): Promise<void> {
    let pending = this.pending.get(table)
    if (!pending) {
      pending = { columns: Object.keys(row), lines: [] }
      this.pending.set(table, pending)
    }
    const { columns } = pending
    let line = ''
    let count = 0
    for (const column in row) {
      if (columns[count] !== column) throw new Error(`rows of ${table} must all have the columns ${columns.join(', ')}`)
      line += count++ === 0 ? csvField(row[column] ?? null) : `,${csvField(row[column] ?? null)}`
    }
    if (count !== columns.length) throw new Error(`rows of ${table} must all have the columns ${columns.join(', ')}`)
    pending.lines.push(line)
    this.buffered += line.length
    const id = row.id
    if (typeof id === 'number' && id > (this.maxIds.get(table) ?? 0)) this.maxIds.set(table, id)
    if (this.buffered >= this.maxBufferChars) await this.flush()
  }

  /** Queues several rows of one table. */
  async insertAll(table: string, rows: Iterable<SqlRow>): Promise<void> {
    for (const row of rows) await this.insert(table, row)
  }

  /** Loads every buffered row. */
  async flush(): Promise<void> {
    for (const [table, pending] of this.pending) {
      if (pending.lines.length === 0) continue
      const blob = new Blob([pending.lines.join('\n'), '\n'])
      pending.lines = []
      await this.sink.query(`COPY ${table} (${pending.columns.join(', ')}) FROM '/dev/blob' WITH (FORMAT csv)`, [], { blob })
    }
    this.buffered = 0
  }

  /** Loads what is buffered, then moves every `<table>_id_seq` past the highest id loaded. */
  async finish(): Promise<void> {
    await this.flush()
    const setvals = [...this.maxIds].map(([table, id]) => `SELECT setval('${table}_id_seq', ${id}, true);`)
    if (setvals.length > 0) await this.sink.exec(setvals.join('\n'))
  }
}
