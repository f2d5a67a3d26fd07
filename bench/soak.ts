/**
 * BENCH_ONLY=soak (issue #10 point 5): BENCH_SOAK_S seconds (default 300) of mixed valid and hostile
 * traffic against both APIs on one fresh `serve` process — valid reads, wrong keys from sprayed
 * forwarded addresses, malformed JSON, oversized headers, unknown paths, bad Items tokens, over
 * 10 000 distinct URLs — with the service's resident memory sampled every 10 s. Target: growth
 * after the first minute under 20 MB.
 */
import autocannon from 'autocannon'
import type { ChildProcess } from 'node:child_process'
import { SignJWT } from 'jose'
import { setTimeout as sleep } from 'node:timers/promises'

export interface SoakContext {
  bin: string
  siteDir: string
  env: Record<string, string>
  key: string
  seconds: number
  newStateDb(name: string): Promise<string>
  freePort(): Promise<number>
  startChild(command: string, args: string[], env: NodeJS.ProcessEnv, url: string): Promise<ChildProcess>
  stopChild(child: ChildProcess | undefined): Promise<void>
  rssOf(pid: number): number
}

const SECRET = 'bench-soak-secret-0123456789abcdefghijklmnopq'
const SAMPLE_S = 10
const CONNECTIONS = 16

type Req = { method?: string; path: string; headers?: Record<string, string>; body?: string }

export async function runSoakBench(ctx: SoakContext): Promise<void> {
  const port = await ctx.freePort()
  const opsPort = await ctx.freePort()
  const env = {
    ...ctx.env,
    MOODLE_BRIDGE_OPS_LISTEN: `127.0.0.1:${opsPort}`,
    MOODLE_BRIDGE_STATE_URL: await ctx.newStateDb('mb_state_soak'),
    MOODLE_BRIDGE_TRUSTED_PROXIES: '127.0.0.1',
    MOODLE_BRIDGE_MDG_CORE_API_ENABLED: '1',
    MOODLE_BRIDGE_ITEMS_JWT_HS256_SECRET: SECRET,
  }
  const mp = '/local/moopanel/server.php'
  const items = '/local/middag/index.php/api/v1'
  // BENCH_SOAK_SNAPSHOTS=dir: heap snapshots of the service after the first minute and at the end (to find what grows).
  const snapshots = process.env['BENCH_SOAK_SNAPSHOTS']
  const nodeArgs = snapshots ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshots}`] : []
  const child = await ctx.startChild(process.execPath, [...nodeArgs, ctx.bin, 'serve', '--moodle-dir', ctx.siteDir, '--port', String(port)], env, `http://127.0.0.1:${port}${mp}/`)
  try {
    const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('2').setIssuedAt().setExpirationTime('2h').sign(new TextEncoder().encode(SECRET))
    let n = 0
    const key = { 'x-api-key': ctx.key }
    const sprayed = () => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`
    const huge = 'a'.repeat(20_000)
    // Each connection cycles through these; `n` makes URLs and forwarded addresses distinct.
    const mix: Array<() => Req> = [
      () => ({ path: `${mp}/plugins?displayupdates&displayupdateslog`, headers: { ...key, 'x-forwarded-for': '192.0.2.1' } }),
      () => ({ path: `${mp}/users/count?search=u${n}`, headers: { ...key, 'x-forwarded-for': '192.0.2.1' } }),
      () => ({ path: `${mp}/courses?displaycategories&q=${n}`, headers: { ...key, 'x-forwarded-for': '192.0.2.1' } }),
      () => ({ path: `${mp}/users/count`, headers: { 'x-api-key': `wrong-${n}-0123456789abcdefghijklmnopqrstuv`, 'x-forwarded-for': sprayed() } }),
      () => ({ method: 'POST', path: `${mp}/plugins/updates`, headers: { ...key, 'x-forwarded-for': '192.0.2.1', 'content-type': 'application/json' }, body: `{"data": {bad ${n}` }),
      () => ({ path: `${mp}/users/count`, headers: { ...key, 'x-pad': huge } }),
      () => ({ path: `${mp}/no_such_${n}/x?y=${n}`, headers: { ...key, 'x-forwarded-for': '192.0.2.1' } }),
      () => ({ path: `/nowhere/${n}?${'q'.repeat(n % 500)}` }),
      () => ({ path: `${items}/items?type=course_group&perpage=5&page=${n % 50}`, headers: { authorization: `Bearer ${jwt}`, 'x-forwarded-for': `198.51.100.${n % 250}` } }),
      () => ({ path: `${items}/items?type=course_group`, headers: { authorization: `Bearer bad.${n}.token`, 'x-forwarded-for': sprayed() } }),
      () => ({ method: 'POST', path: `${items}/items`, headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${n % 250}` }, body: `{"type": ${n}` }),
      () => ({ path: `${items}/no_such_${n}?wstoken=x${n}`, headers: { 'x-forwarded-for': sprayed() } }),
    ]
    const requests = mix.map((make) => ({
      method: 'GET' as const,
      path: '/',
      setupRequest: (req: Record<string, unknown>) => {
        n++
        const r = make()
        return { ...req, method: r.method ?? 'GET', path: r.path, headers: r.headers ?? {}, body: r.body }
      },
    }))
    const started = Date.now()
    const samples: Array<{ s: number; mb: number; heap: string }> = []
    // RSS from /proc; heap used / heap total / external from the service's own process metrics.
    const sample = async () => {
      const mb = ctx.rssOf(child.pid!) / 1e6
      const text = await fetch(`http://127.0.0.1:${opsPort}/metrics`).then((r) => r.text()).catch(() => '')
      const metric = (name: string) => (Number(new RegExp(`^moodle_bridge_process_${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1e6).toFixed(0)
      samples.push({ s: Math.round((Date.now() - started) / 1000), mb, heap: `${metric('nodejs_heap_size_used_bytes')}/${metric('nodejs_heap_size_total_bytes')}/${metric('nodejs_external_memory_bytes')}` })
    }
    await sample()
    const sampler = setInterval(() => void sample(), SAMPLE_S * 1000)
    const snap = snapshots ? setTimeout(() => child.kill('SIGUSR2'), 60_000) : undefined
    console.log(`\n== Soak: ${ctx.seconds} s of mixed valid and hostile traffic on both APIs (${CONNECTIONS} connections), RSS every ${SAMPLE_S} s ==`)
    const result = await autocannon({ url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, duration: ctx.seconds, requests: requests as never, timeout: 10 })
    clearInterval(sampler)
    clearTimeout(snap)
    if (snapshots) child.kill('SIGUSR2')
    await sample()
    await sleep(SAMPLE_S * 1000)
    const idle = ctx.rssOf(child.pid!) / 1e6
    const check = await fetch(`http://127.0.0.1:${port}${mp}/users/count`, { headers: key })
    const statuses = Object.entries(result as unknown as Record<string, unknown>).filter(([k]) => /^\dxx$/.test(k)).map(([k, v]) => `${k} ${v}`).join(', ')
    console.log(`requests ${result.requests.total} (${result.requests.average.toFixed(0)}/s; ${statuses}; errors ${result.errors}, timeouts ${result.timeouts}), distinct request numbers ${n}`)
    console.log(`RSS MB: ${samples.map((x) => `${x.s}s ${x.mb.toFixed(0)}`).join(' | ')} | ${SAMPLE_S} s idle ${idle.toFixed(0)}`)
    console.log(`JS heap used/total/external MB: ${samples.map((x) => `${x.s}s ${x.heap}`).join(' | ')}`)
    const atMinute = samples.find((x) => x.s >= 60) ?? samples[samples.length - 1]!
    const after = samples.filter((x) => x.s >= atMinute.s)
    const growth = Math.max(...after.map((x) => x.mb)) - atMinute.mb
    const end = samples[samples.length - 1]!.mb - atMinute.mb
    console.log(`growth after the first minute: peak +${growth.toFixed(1)} MB, end ${end >= 0 ? "+" : ""}${end.toFixed(1)} MB (target < 20 MB); service answers afterwards: ${check.status}`)
  } finally {
    await ctx.stopChild(child)
  }
}
