import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import pg from 'pg'
import { buildTestMoodleDir } from '../test/support/build-test-moodle-dir.ts'

interface ScaleOptions {
  server: { urlFor(db: string): string; adminUrl: string; port: number }
  tmp: string
  fixtures: string
  bin: string
  key: string
  total: number
  rssOf(pid: number): number
  startChild(command: string, args: string[], env: NodeJS.ProcessEnv, url: string): Promise<ChildProcess>
  stopChild(child: ChildProcess | undefined): Promise<void>
  freePort(): Promise<number>
}

/**
 * Copies the fixture database, grows `mdl_user` to `total` rows with generated users, serves it,
 * downloads the full `/users` list and samples the service's RSS every 20 ms meanwhile.
 */
export async function scaleUsers(o: ScaleOptions) {
  const admin = new pg.Client({ connectionString: o.server.adminUrl })
  await admin.connect()
  await admin.query('CREATE DATABASE moodle_scale TEMPLATE moodle_pg_template')
  await admin.query('CREATE DATABASE mb_state_scale')
  await admin.end()
  const db = new pg.Client({ connectionString: o.server.urlFor('moodle_scale') })
  await db.connect()
  await db.query(`
    INSERT INTO mdl_user (auth, confirmed, mnethostid, username, password, firstname, lastname, email, city, country,
      description, timecreated, timemodified, lastaccess)
    SELECT 'manual', 1, 1, 'scale_' || g, '$6$rounds=10000$notarealhash', 'First' || (g % 997), 'Last' || (g % 1009),
      'scale_' || g || '@example.com', 'City ' || (g % 50), 'NZ', repeat('Profile text ', 20), 1795300000, 1795300000, 1795300000 - g
    FROM generate_series(1, ${o.total} - (SELECT COUNT(*) FROM mdl_user)) AS g`)
  await db.query('ANALYZE mdl_user')
  await db.end()
  const site = await buildTestMoodleDir({
    target: join(o.tmp, 'moodle-scale'), dbtype: 'pgsql', wwwroot: 'http://127.0.0.1:8081', fixturesDir: o.fixtures,
    db: { host: '127.0.0.1', port: o.server.port, name: 'moodle_scale', user: 'postgres', pass: '' },
  })
  const port = await o.freePort()
  const base = `http://127.0.0.1:${port}/local/moopanel/server.php`
  const child = await o.startChild(
    process.execPath,
    [o.bin, 'serve', '--moodle-dir', site.dir, '--port', String(port)],
    { MOODLE_BRIDGE_OPS_LISTEN: '127.0.0.1:0', MOODLE_BRIDGE_API_KEY: o.key, MOODLE_BRIDGE_STATE_URL: o.server.urlFor('mb_state_scale'), MOODLE_BRIDGE_LOG_LEVEL: 'warn' },
    base,
  )
  try {
    await fetch(`${base}/users/count`, { headers: { 'x-api-key': o.key } }).then((r) => r.text())
    const rssBefore = o.rssOf(child.pid!)
    let rssPeak = rssBefore
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, o.rssOf(child.pid!))), 20)
    const started = performance.now()
    const res = await fetch(`${base}/users`, { headers: { 'x-api-key': o.key } })
    let bytes = 0
    let tail = ''
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      bytes += chunk.length
      tail = (tail + Buffer.from(chunk).toString('latin1')).slice(-64)
    }
    clearInterval(sampler)
    const seconds = (performance.now() - started) / 1000
    if (!tail.endsWith(']}')) throw new Error('the /users body did not end as JSON')
    const countRes = await fetch(`${base}/users/count`, { headers: { 'x-api-key': o.key } })
    const users = ((await countRes.json()) as { number_of_users: number }).number_of_users
    return { users, bytes, seconds, rssBefore, rssPeak }
  } finally {
    await o.stopChild(child)
  }
}
