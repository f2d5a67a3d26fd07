import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'

const SCHEMA_URL = new URL('./schema.sql', import.meta.url)

/**
 * A new in-memory PGlite holding the demo's empty Moodle tables (schema.sql).
 *
 * Starting PGlite runs `initdb`, which takes 2–3 s. When `cacheDir` is given, the initialised data
 * directory (with the schema already applied) is kept there as a gzip tarball keyed by the schema
 * and the PGlite version; later calls load that tarball instead (about 0.5–1 s). A missing,
 * stale or unreadable tarball only costs the slow path.
 */
export async function openDemoDatabase(cacheDir: string | null): Promise<PGlite> {
  const schema = await readFile(SCHEMA_URL, 'utf8')
  const key = createHash('sha1').update(`${await pgliteVersion()}\n${schema}`).digest('hex').slice(0, 16)
  const cacheFile = cacheDir === null ? null : join(cacheDir, `pglite-moodle-schema-${key}.tar.gz`)

  if (cacheFile) {
    const cached = await readFile(cacheFile).catch(() => null)
    if (cached) {
      const db = await PGlite.create({ loadDataDir: new Blob([cached]) }).catch(() => null)
      if (db && (await looksInitialised(db))) return db
      await db?.close().catch(() => undefined)
    }
  }

  const db = await PGlite.create()
  await db.exec(schema)
  if (cacheFile && cacheDir) {
    const tarball = await db.dumpDataDir('gzip')
    const temporary = `${cacheFile}.${process.pid}.${Date.now()}.tmp`
    // Written beside the final name and renamed, so concurrent callers never read half a file.
    await mkdir(cacheDir, { recursive: true })
    await writeFile(temporary, new Uint8Array(await tarball.arrayBuffer()))
    await rename(temporary, cacheFile)
  }
  return db
}

async function looksInitialised(db: PGlite): Promise<boolean> {
  try {
    const result = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM mdl_config')
    return result.rows[0]?.n === 0
  } catch {
    return false
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
