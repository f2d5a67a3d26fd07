/** Loads the PostgreSQL dump into a fresh database and makes a template copy of it for writable test copies. */
import pg from 'pg'
import { gunzipText } from './util.mjs'

async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/**
 * Creates `dbName`, runs the whole dump in one query and ANALYZEs it, then clones it to
 * `templateName` (a template nobody may connect to, so `CREATE DATABASE x TEMPLATE ...` never
 * fails with "source database is being accessed by other users"). Returns timings in ms.
 */
export async function loadPgDump({ urlFor, dbName, templateName, dumpPath }) {
  const t0 = performance.now()
  const sql = await gunzipText(dumpPath)
  const t1 = performance.now()
  await withClient(urlFor('postgres'), (c) => c.query(`CREATE DATABASE ${dbName}`))
  await withClient(urlFor(dbName), async (c) => {
    await c.query(sql)
    await c.query('ANALYZE')
  })
  const t2 = performance.now()
  await withClient(urlFor('postgres'), async (c) => {
    await c.query(`CREATE DATABASE ${templateName} TEMPLATE ${dbName}`)
    await c.query(`ALTER DATABASE ${templateName} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`)
  })
  const t3 = performance.now()
  return { gunzipMs: t1 - t0, loadMs: t2 - t1, templateMs: t3 - t2, bytes: Buffer.byteLength(sql) }
}
