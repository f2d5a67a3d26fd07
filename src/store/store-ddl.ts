import { sql, type RawBuilder } from 'kysely'
import type { Store } from './store.ts'

/** DDL pieces that differ between PostgreSQL and MySQL/MariaDB, for a table owner's migration. */
export interface StoreDdl {
  /** `<prefix><name>` as a table reference. */
  table(name: string): RawBuilder<unknown>
  /** `<prefix><name>` as an identifier (index and constraint names). */
  id(name: string): RawBuilder<unknown>
  pg: boolean
  /** Unbounded text: TEXT, or LONGTEXT on MySQL. */
  text: RawBuilder<unknown>
  /** After `CREATE TABLE (…)`: InnoDB, utf8mb4 and a binary collation on MySQL; nothing on PostgreSQL. */
  tail: RawBuilder<unknown>
  /** MySQL 8 has no CREATE INDEX IF NOT EXISTS, so its indexes are declared inside CREATE TABLE: `, INDEX …` there, nothing on PostgreSQL. */
  inlineIndexes(indexes: Array<{ name: string; columns: string[] }>): RawBuilder<unknown>
  /** `CREATE INDEX IF NOT EXISTS` on PostgreSQL; nothing on MySQL (declared inline). */
  createIndex(name: string, table: string, columns: string[]): Promise<void>
  /** `ALTER TABLE … ADD COLUMN` unless the column exists (MySQL 8 has no `ADD COLUMN IF NOT EXISTS`). */
  addColumnIfMissing(table: string, column: string, type: RawBuilder<unknown>): Promise<void>
}

/** The DDL helpers of `store`, under its prefix. */
export function storeDdl(store: Store): StoreDdl {
  const p = store.prefix
  const pg = store.family === 'postgres'
  const table = (name: string) => sql.table(`${p}${name}`)
  const id = (name: string) => sql.id(`${p}${name}`)
  const columns = (names: string[]) => sql.join(names.map((c) => sql.ref(c)))
  return {
    table,
    id,
    pg,
    text: pg ? sql`TEXT` : sql`LONGTEXT`,
    tail: pg ? sql`` : sql`ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    inlineIndexes: (indexes) => (pg ? sql`` : sql`, ${sql.join(indexes.map((i) => sql`INDEX ${id(i.name)} (${columns(i.columns)})`))}`),
    async createIndex(name, tableName, names) {
      if (pg) await sql`CREATE INDEX IF NOT EXISTS ${id(name)} ON ${table(tableName)} (${columns(names)})`.execute(store.db)
    },
    async addColumnIfMissing(tableName, column, type) {
      const name = `${p}${tableName}`
      if (pg) {
        await sql`ALTER TABLE ${sql.table(name)} ADD COLUMN IF NOT EXISTS ${sql.ref(column)} ${type}`.execute(store.db)
        return
      }
      const found = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM information_schema.columns
        WHERE table_schema = DATABASE() AND table_name = ${name} AND column_name = ${column}`.execute(store.db)
      if (Number(found.rows[0]?.n ?? 0) === 0) await sql`ALTER TABLE ${sql.table(name)} ADD COLUMN ${sql.ref(column)} ${type}`.execute(store.db)
    },
  }
}
