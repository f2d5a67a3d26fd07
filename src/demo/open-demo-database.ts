import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'

const SCHEMA_URL = new URL('./schema.sql', import.meta.url)

/** Separates, in schema.sql, the tables from their primary keys and indexes. */
export const INDEX_MARKER = '-- == Primary keys and indexes (the demo creates these after loading its rows) =='

/** A new database with the demo's Moodle tables, still without primary keys and indexes. */
export interface DemoDatabase {
  db: PGlite
  /** Adds the primary keys and indexes of schema.sql; call it once the rows are loaded (much faster). */
  createIndexes(): Promise<void>
}

/**
 * A new in-memory PGlite holding the demo's empty Moodle tables (schema.sql).
 *
 * Starting PGlite runs `initdb`, which takes 2–3 s. When `cacheDir` is given, the initialised data
 * directory (with the tables created) is kept there as a gzip tarball keyed by the schema and the
 * PGlite version; later calls load that tarball instead (about 0.5–1 s). A missing, stale or
 * unreadable tarball only costs the slow path.
 */
export async function openDemoDatabase(cacheDir: string | null): Promise<DemoDatabase> {
  const schema = await readFile(SCHEMA_URL, 'utf8')
  const split = schema.indexOf(INDEX_MARKER)
  if (split < 0) throw new Error('schema.sql lacks the index marker; regenerate it with extract-fixture-data.ts')
  const tables = schema.slice(0, split)
  const indexes = schema.slice(split)
  const key = createHash('sha1').update(`${await pgliteVersion()}\n${tables}`).digest('hex').slice(0, 16)
  const cacheFile = cacheDir === null ? null : join(cacheDir, `pglite-moodle-tables-${key}.tar.gz`)
  const cached = cacheFile ? await loadCached(cacheFile) : null
  const db = cached ?? (await PGlite.create())
  const createIndexes = async () => {
    await db.exec(indexes)
  }
  if (cached) return { db, createIndexes }

  await db.exec(tables)
  if (cacheFile && cacheDir) {
    const tarball = await db.dumpDataDir('gzip')
    const temporary = `${cacheFile}.${process.pid}.${Date.now()}.tmp`
    // Written beside the final name and renamed, so concurrent callers never read half a file.
    await mkdir(cacheDir, { recursive: true })
    await writeFile(temporary, new Uint8Array(await tarball.arrayBuffer()))
    await rename(temporary, cacheFile)
    await removeStaleCaches(cacheDir, cacheFile)
  }
  return { db, createIndexes }
}

async function loadCached(cacheFile: string): Promise<PGlite | null> {
  const cached = await readFile(cacheFile).catch(() => null)
  if (!cached) return null
  const db = await PGlite.create({ loadDataDir: new Blob([cached]) }).catch(() => null)
  if (!db) return null
  try {
    const result = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM mdl_config')
    if (result.rows[0]?.n === 0) return db
  } catch {
    // Not the expected tables: fall through to a fresh database.
  }
  await db.close().catch(() => undefined)
  return null
}

/** Deletes tarballs of older schemas or PGlite versions. */
async function removeStaleCaches(cacheDir: string, keep: string): Promise<void> {
  for (const name of await readdir(cacheDir).catch(() => [])) {
    const path = join(cacheDir, name)
    if (path !== keep && /^pglite-moodle-.*\.tar\.gz$/.test(name)) await rm(path, { force: true })
  }
}

/** The installed PGlite version (part of the cache key: a data directory is tied to its build). */
async function pgliteVersion(): Promise<string> {
  try {
    const entry = import.meta.resolve('@electric-sql/pglite')
    const manifest = JSON.parse(await readFile(new URL('../package.json', entry), 'utf8')) as { version?: string }
    return manifest.version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}
