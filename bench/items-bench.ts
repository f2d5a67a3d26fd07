/**
 * BENCH_ONLY=items: the Items API on the PostgreSQL fixture at 16 connections, authenticated with a
 * real HS256 JWT through the service's own authenticator: a list of 20 items with metadata and
 * filters (target p99 < 50 ms, >= 2000 req/s) and a read by id (>= 4000 req/s), as ratios to bare
 * Fastify measured right before each run.
 */
import { SignJWT } from 'jose'
import type { ChildProcess } from 'node:child_process'
import pg from 'pg'
import { measure, printTable, type Figures } from './measure.ts'

const SECRET = 'bench-items-secret-0123456789abcdefghijklmnop'

export interface ItemsBenchContext {
  bin: string
  siteDir: string
  env: Record<string, string>
  barePort: number
  connections: number
  seconds: number
  freePort(): Promise<number>
  startChild(command: string, args: string[], env: NodeJS.ProcessEnv, url: string, opsPort?: number): Promise<ChildProcess>
  stopChild(child: ChildProcess | undefined): Promise<void>
}

export async function runItemsBench(ctx: ItemsBenchContext): Promise<void> {
  const port = await ctx.freePort()
  const root = `http://127.0.0.1:${port}/local/middag/index.php/api`
  const env = {
    ...ctx.env,
    MOODLE_BRIDGE_MDG_CORE_API_ENABLED: '1',
    MOODLE_BRIDGE_ITEMS_RATE_LIMIT_ENABLED: '0',
    MOODLE_BRIDGE_ITEMS_JWT_HS256_SECRET: SECRET,
  }
  const child = await ctx.startChild(process.execPath, [...(process.env['ITEMS_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['ITEMS_CPU_PROF']}`] : []), ctx.bin, 'serve', '--moodle-dir', ctx.siteDir, '--port', String(port)], env, `${root}/v1/items`, await ctx.freePort()) // measured once warmed up (/readyz 200)
  try {
    const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('2').setIssuedAt().setExpirationTime('2h').sign(new TextEncoder().encode(SECRET))
    const headers = { authorization: `Bearer ${jwt}` }
    console.log('seeding 400 course groups …')
    let firstId = 0
    for (let i = 0; i < 400; i++) {
      const res = await fetch(`${root}/v1/items`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'course_group', fullname: `Group ${i}`, shortname: `G${i}`, status: i % 3 === 0 ? 'draft' : 'published', sortorder: i % 17,
          metadata: { expiration: i % 5 === 0 ? 0 : 1_800_000_000 + i, contextids: [1] },
        }),
      })
      if (res.status !== 201) throw new Error(`seeding failed: ${res.status} ${await res.text()}`)
      const body = (await res.json()) as { data: { id: number } }
      if (i === 0) firstId = body.data.id
    }
    // Fresh tables have no planner statistics yet; refresh them as autovacuum would after the load.
    const state = new pg.Client({ connectionString: ctx.env['MOODLE_BRIDGE_STATE_URL'] })
    await state.connect()
    await state.query('ANALYZE')
    await state.end()
    const filters = encodeURIComponent(JSON.stringify({ status: 'published', expiration: { _gt: 0 } }))
    const runs: Array<[string, string, string]> = [
      ['items list (20, metadata, filters)', `${root}/v1/items?type=course_group&perpage=20&filters=${filters}&sort=-sortorder`, 'p99 < 50 ms, >= 2000 req/s'],
      ['items get by id', `${root}/v1/items/${firstId + 7}`, '>= 4000 req/s'],
    ]
    const opts = { connections: ctx.connections, seconds: ctx.seconds }
    console.log(`\n== Items API on the PostgreSQL fixture (${ctx.connections} connections, ${ctx.seconds} s each) ==`)
    const bare = await measure('bare Fastify hello-world', `http://127.0.0.1:${ctx.barePort}/`, {}, opts)
    const rows: Figures[] = [bare]
    for (const [name, url] of runs) {
      const adjacent = await measure('bare Fastify hello-world', `http://127.0.0.1:${ctx.barePort}/`, {}, opts)
      rows.push({ ...(await measure(name, url, headers, opts)), baseline: adjacent })
    }
    printTable(rows, bare, new Map(runs.map(([n, , t]) => [n, t])))
  } finally {
    await ctx.stopChild(child)
  }
}
