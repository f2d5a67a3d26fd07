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
  /** Creates the index on an existing table unless it exists (a lost race with another process is ignored). */
  addIndexIfMissing(name: string, table: string, columns: string[]): Promise<void>
  /**
   * Makes `columns` (in that order) the table's primary key, replacing the one it has, in one
   * `ALTER TABLE`; nothing when it already is. Re-running it (two processes upgrading at once) is harmless.
   */
  ensurePrimaryKey(table: string, columns: string[]): Promise<void>
}

/** MySQL/MariaDB errors of a lost upgrade race: the column or index another process just added. */
const ER_DUP_FIELDNAME = 1060
const ER_DUP_KEYNAME = 1061
const errnoOf = (error: unknown) => (error as { errno?: unknown }).errno

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
        try {
          await sql`ALTER TABLE ${sql.table(name)} ADD COLUMN IF NOT EXISTS ${sql.ref(column)} ${type}`.execute(store.db)
        } catch (error) {
          // IF NOT EXISTS does not cover a concurrent ALTER: 42701 (duplicate_column) or 23505 on the catalogue.
          const code = (error as { code?: unknown }).code
          if (code !== '42701' && code !== '23505') throw error
        }
        return
      }
      const found = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM information_schema.columns
        WHERE table_schema = DATABASE() AND table_name = ${name} AND column_name = ${column}`.execute(store.db)
      if (Number(found.rows[0]?.n ?? 0) > 0) return
      try {
        await sql`ALTER TABLE ${sql.table(name)} ADD COLUMN ${sql.ref(column)} ${type}`.execute(store.db)
      } catch (error) {
        if (errnoOf(error) !== ER_DUP_FIELDNAME) throw error
      }
    },
    async addIndexIfMissing(name, tableName, names) {
      if (pg) {
        // IF NOT EXISTS does not cover a concurrent CREATE: the loser gets 23505 on pg_class (or 42P07).
        await sql`CREATE INDEX IF NOT EXISTS ${id(name)} ON ${table(tableName)} (${columns(names)})`.execute(store.db).catch((error: unknown) => {
          const code = (error as { code?: unknown }).code
          if (code !== '23505' && code !== '42P07') throw error
        })
        return
      }
      const found = await sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM information_schema.statistics
        WHERE table_schema = DATABASE() AND table_name = ${`${p}${tableName}`} AND index_name = ${`${p}${name}`}`.execute(store.db)
      if (Number(found.rows[0]?.n ?? 0) > 0) return
      try {
        await sql`CREATE INDEX ${id(name)} ON ${table(tableName)} (${columns(names)})`.execute(store.db)
      } catch (error) {
        if (errnoOf(error) !== ER_DUP_KEYNAME) throw error
      }
    },
    async ensurePrimaryKey(tableName, names) {
      const name = `${p}${tableName}`
      if (pg) {
        const primaryKey = () => sql<{ conname: string; col: string }>`SELECT c.conname, a.attname AS col FROM pg_constraint c
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
          WHERE c.conrelid = to_regclass(quote_ident(${name})) AND c.contype = 'p'
          ORDER BY array_position(c.conkey, a.attnum)`.execute(store.db)
        const found = await primaryKey()
        if (sameColumns(found.rows.map((r) => r.col), names)) return
        const constraint = sql.id(found.rows[0]?.conname ?? `${name}_pkey`)
        const drop = found.rows.length > 0 ? sql`DROP CONSTRAINT ${constraint}, ` : sql``
        try {
          await sql`ALTER TABLE ${sql.table(name)} ${drop}ADD CONSTRAINT ${constraint} PRIMARY KEY (${columns(names)})`.execute(store.db)
        } catch (error) {
          // A lost upgrade race: another process changed the key first; fine when it is the wanted one.
          if (!sameColumns((await primaryKey()).rows.map((r) => r.col), names)) throw error
        }
        return
      }
      const found = await sql<{ col: string }>`SELECT column_name AS col FROM information_schema.key_column_usage
        WHERE table_schema = DATABASE() AND table_name = ${name} AND constraint_name = 'PRIMARY'
        ORDER BY ordinal_position`.execute(store.db)
      if (sameColumns(found.rows.map((r) => r.col), names)) return
      const drop = found.rows.length > 0 ? sql`DROP PRIMARY KEY, ` : sql``
      await sql`ALTER TABLE ${sql.table(name)} ${drop}ADD PRIMARY KEY (${columns(names)})`.execute(store.db)
    },
  }
}

function sameColumns(found: string[], wanted: string[]): boolean {
  return found.length === wanted.length && found.every((c, i) => c.toLowerCase() === wanted[i]!.toLowerCase())
}
