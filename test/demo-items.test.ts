/**
 * `bin/moodle-bridge demo` as a new user meets it (issue #11 point 1): a real subprocess on free
 * ports; its banner names both APIs with working credentials; the printed curl lines run through a
 * real `curl`; a manager and a user without a system role get 200 / 403 on every item type; the
 * docs page is sent with a CSP and X-Frame-Options; hostile Items traffic never gets a 5xx.
 */
import assert from 'node:assert/strict'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { connect, createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { testEnv } from './support/test-env.ts'

const BIN = resolve(import.meta.dirname, '..', 'bin', 'moodle-bridge')
const TYPES = ['course', 'course_category', 'user', 'cohort', 'generic', 'company', 'course_group'] as const
/** Generous: the 2 shared cores may be busy; only a failure waits this long. */
const START_DEADLINE_MS = 180_000

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => res(port))
    })
  })
}

/** Runs one printed shell line (`curl …`) as printed, through `sh -c`. */
function shell(line: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile('sh', ['-c', line], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      res({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

interface Banner {
  text: string
  before: string
  moopanelKey: string
  itemsBase: string
  docs: string
  adminToken: string
  jwt: string
  jwtExpires: Date
  managerToken: string
  userToken: string
  tries: string[]
}

function parseBanner(out: string): Banner {
  const start = out.indexOf('moodle-bridge demo:')
  const text = out.slice(start)
  const field = (label: string) => {
    const value = new RegExp(`^  ${label}: +(\\S+)`, 'm').exec(text)?.[1]
    assert.ok(value, `banner line "${label}" in:\n${text}`)
    return value
  }
  const expires = /expires (\S+)\)/.exec(text)?.[1]
  assert.ok(expires, text)
  return {
    text,
    before: out.slice(0, start),
    moopanelKey: field('API key'),
    itemsBase: [...text.matchAll(/^  API: +(\S+)/gm)].map((m) => m[1]!).find((u) => u.includes('/local/middag/'))!,
    docs: field('docs'),
    adminToken: field('token'),
    jwt: field('JWT'),
    jwtExpires: new Date(expires),
    managerToken: field('manager'),
    userToken: field('no role'),
    tries: [...text.matchAll(/^  try: +(.+)$/gm)].map((m) => m[1]!),
  }
}

/** Starts `bin/moodle-bridge demo` as a new user would (no MOODLE_BRIDGE_ settings but `env`), waits for its banner. */
async function startDemo(name: string, extra: Record<string, string> = {}): Promise<{ child: ChildProcess; output: () => string; banner: Banner; stop: () => Promise<void> }> {
  const port = await freePort()
  const env: Record<string, string | undefined> = { ...process.env, MOODLE_BRIDGE_OPS_LISTEN: '127.0.0.1:0' }
  // As a new user starts it: no log level, key or Items settings of ours.
  for (const key of Object.keys(env)) if (key.startsWith('MOODLE_BRIDGE_') && key !== 'MOODLE_BRIDGE_OPS_LISTEN') delete env[key]
  Object.assign(env, extra)
  const child = spawn(process.execPath, [BIN, 'demo', '--port', String(port), '--dir', join(testEnv().tmpDir, `${name}-${process.pid}`)], {
    env, stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const deadline = Date.now() + START_DEADLINE_MS
  while (!/^  no role: .*\n\n/m.test(output)) {
    if (child.exitCode !== null) throw new Error(`demo exited: ${output}`)
    if (Date.now() > deadline) throw new Error(`no banner within ${START_DEADLINE_MS} ms: ${output}`)
    await sleep(100)
  }
  const stop = async () => {
    if (child.exitCode === null) {
      const done = new Promise((res) => child.once('exit', res))
      child.kill('SIGTERM')
      await done
    }
  }
  return { child, output: () => output, banner: parseBanner(output), stop }
}

describe('bin/moodle-bridge demo: both APIs', () => {
  let child: ChildProcess
  let banner: Banner
  let demo: Awaited<ReturnType<typeof startDemo>>

  before(async () => {
    demo = await startDemo('demo-items')
    child = demo.child
    banner = demo.banner
  })
  after(async () => demo?.stop())

  const items = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${banner.itemsBase}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) } })

  it('prints nothing before the banner: no warning, no stack trace, no JSON log line', () => {
    assert.equal(banner.before.trim(), '', `before the banner:\n${banner.before}`)
    assert.ok(!/"level":|\n\s+at |warn/i.test(banner.text), banner.text)
    assert.match(banner.text, /Management API \(MooPanel\)[\s\S]*Items API \(MIDDAG\)/)
    assert.match(banner.itemsBase, /^http:\/\/127\.0\.0\.1:\d+\/local\/middag\/index\.php\/api\/v1$/)
    assert.ok(banner.jwtExpires.getTime() > Date.now(), 'the JWT expires in the future')
  })

  it('prints one curl line per API that works exactly as printed (a real curl)', async () => {
    assert.equal(banner.tries.length, 2, banner.text)
    const [moopanel, itemsLine] = banner.tries as [string, string]
    assert.match(moopanel, /^curl .*X-API-KEY: .*\/local\/moopanel\/server\.php\//)
    assert.match(itemsLine, /^curl .*Authorization: Bearer .*\/local\/middag\/index\.php\/api\/v1\//)
    const m = await shell(moopanel)
    assert.equal(m.code, 0, m.stderr)
    assert.ok(Array.isArray((JSON.parse(m.stdout) as { plugins: unknown[] }).plugins), m.stdout.slice(0, 300))
    const i = await shell(itemsLine)
    assert.equal(i.code, 0, i.stderr)
    const body = JSON.parse(i.stdout) as { success: boolean; data: Array<{ type: string }> }
    assert.equal(body.success, true, i.stdout.slice(0, 300))
    assert.ok(body.data.length > 0 && body.data.every((row) => row.type === 'course'))
    // With -w the status is visible too; the same lines answer 200.
    for (const line of [moopanel, itemsLine]) {
      const status = await shell(`${line} -s -o /dev/null -w '%{http_code}'`)
      assert.equal(status.stdout, '200', line)
    }
  })

  it('accepts the printed JWT and the admin token on every type', async () => {
    for (const token of [banner.jwt, banner.adminToken]) {
      for (const type of TYPES) {
        const res = await items(`/items?type=${type}&limit=2`, token)
        assert.equal(res.status, 200, `${type}: ${await res.clone().text()}`)
        assert.equal(((await res.json()) as { success: boolean }).success, true)
      }
    }
  })

  it('a manager gets 200 and a user without a system role 403 on every type', async () => {
    for (const type of TYPES) {
      const ok = await items(`/items?type=${type}&limit=2`, banner.managerToken)
      assert.equal(ok.status, 200, `manager, ${type}: ${await ok.text()}`)
      const refused = await items(`/items?type=${type}&limit=2`, banner.userToken)
      assert.equal(refused.status, 403, `no role, ${type}`)
      const body = (await refused.json()) as { success: boolean; reason: string; message: string }
      assert.equal(body.success, false)
      assert.equal(body.reason, 'missing_capability')
      assert.match(body.message, /^Missing capability: /)
    }
    const untyped = await items('/items', banner.userToken)
    assert.equal(untyped.status, 403)
    // Single items: a stored item the manager creates, a Moodle course.
    for (const type of ['generic', 'company', 'course_group']) {
      const created = await items('/items', banner.managerToken, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type, fullname: `Demo ${type}` }),
      })
      assert.equal(created.status, 201, `${type}: ${await created.clone().text()}`)
      const { data } = (await created.json()) as { data: { id: number } }
      assert.equal((await items(`/items/${data.id}`, banner.managerToken)).status, 200)
      assert.equal((await items(`/items/${data.id}`, banner.userToken)).status, 403)
      assert.equal((await items(`/items/${data.id}`, banner.userToken, { method: 'DELETE' })).status, 403)
    }
  })

  it('sends the docs page with a Content-Security-Policy, X-Frame-Options DENY and local assets only', async () => {
    const page = await fetch(banner.docs)
    assert.equal(page.status, 200)
    const csp = page.headers.get('content-security-policy') ?? ''
    assert.match(csp, /default-src 'none'/)
    assert.match(csp, /script-src 'self'(;|$)/)
    assert.match(csp, /frame-ancestors 'none'/)
    assert.equal(page.headers.get('x-frame-options'), 'DENY')
    const html = await page.text()
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)]
    assert.ok(scripts.length > 0)
    for (const [, attrs, body] of scripts) {
      assert.match(attrs!, /src="/, 'no inline script')
      assert.equal(body!.trim(), '')
    }
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
    for (const ref of refs) {
      assert.ok(ref.startsWith('/'), `local asset: ${ref}`)
      const asset = await fetch(new URL(ref, banner.docs))
      assert.equal(asset.status, 200, ref)
      await asset.arrayBuffer()
    }
  })

  it('answers a 60 KB Bearer token on an Items path with the Items error envelope', async () => {
    const res = await fetch(`${banner.itemsBase}/items`, { headers: { authorization: `Bearer ${'a'.repeat(60_000)}` } })
    assert.ok(res.status === 431 || res.status === 400, String(res.status))
    const body = (await res.json()) as { success: boolean; error: boolean; code: number; reason: string }
    assert.equal(body.success, false)
    assert.equal(body.error, true)
    assert.equal(body.code, res.status)
    assert.equal(typeof body.reason, 'string')
    // A request Node cannot parse at all (a bad header line), on an Items path: the envelope, 400.
    const url = new URL(banner.itemsBase)
    const raw = await new Promise<string>((res, rej) => {
      let data = ''
      const socket = connect(Number(url.port), url.hostname, () => socket.write(`GET ${url.pathname}/items HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n`))
      socket.on('data', (d) => (data += d))
      socket.on('end', () => res(data))
      socket.on('error', rej)
    })
    assert.match(raw, /^HTTP\/1\.1 400 /)
    const envelope = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { success: boolean; code: number; reason: string }
    assert.deepEqual([envelope.success, envelope.code, envelope.reason], [false, 400, 'bad_request'])
    // The management API keeps its own shape.
    const mp = await fetch(banner.tries[0]!.match(/'(http[^']+)'/)![1]!, { headers: { 'x-api-key': 'a'.repeat(60_000) } })
    assert.deepEqual(await mp.json(), { error: 'Bad request.' })
  })
})

describe('bin/moodle-bridge demo under hostile Items traffic', () => {
  let demo: Awaited<ReturnType<typeof startDemo>>
  let child: ChildProcess
  let banner: Banner
  before(async () => {
    // The rate limit would answer most of them 429 before any route runs.
    demo = await startDemo('demo-hostile', { MOODLE_BRIDGE_ITEMS_RATE_LIMIT_ENABLED: 'false' })
    child = demo.child
    banner = demo.banner
  })
  after(async () => demo?.stop())

  it('gives no 5xx to 5,000 hostile Items requests by the admin, a manager and a user without role, rate limit off so each one is served', async (t) => {
    const tokens = [banner.adminToken, banner.managerToken, banner.userToken, banner.jwt]
    const bad = [
      '', 'x', 'a'.repeat(129), `${banner.adminToken}x`, 'eyJ.eyJ.sig', `${banner.jwt.slice(0, -3)}abc`, '../../etc/passwd', '%00',
    ]
    const paths = [
      ...TYPES.map((t) => `/items?type=${t}`),
      '/items?type=cohort&filter[fullname][contains]=%25_!', '/items?type=cohort&sort=-timecreated,fullname&fields=id,fullname',
      '/items?type=user&filter[id][in]=1,2,x', '/items?type=course&filter[nope]=1', '/items?type=course&page[size]=-1',
      '/items?type=course&limit=999999999999999999999', '/items?type=nope', '/items?type[]=a&type[]=b', '/items/0', '/items/abc',
      '/items/99999999999999999999', '/items/1/metadata', '/items?filter[metadata.x][gt]=[1]', '/openapi.json', '/nope', '/items?page=%ff',
    ]
    const bodies = ['{', '[]', 'null', '{"type":"cohort","fullname":"x"}', '{"type":"generic","metadata":"x"}', '{"type":"company","fullname":1}',
      '{"type":"course_group","parent":-1,"fullname":"x"}', '"' + 'x'.repeat(2000) + '"', '{"type":"generic","fullname":"' + '\u0000'.repeat(10) + '"}']
    const statuses = new Map<number, number>()
    const failures: string[] = []
    let n = 0
    const one = async (i: number) => {
      const token = i % 5 === 4 ? bad[i % bad.length]! : tokens[i % tokens.length]!
      const path = paths[i % paths.length]!
      const headers: Record<string, string> = token === '' ? {} : { authorization: `Bearer ${token}` }
      let method = 'GET'
      let body: string | undefined
      if (i % 7 === 3) {
        method = ['POST', 'PUT', 'PATCH', 'DELETE'][i % 4]!
        body = bodies[i % bodies.length]
        headers['content-type'] = i % 11 === 0 ? 'text/plain' : 'application/json'
      }
      if (i % 13 === 5) headers['x-huge'] = 'h'.repeat(70_000)
      if (i % 17 === 2) headers['if-match'] = '"nope"'
      const url = `${banner.itemsBase}${method === 'GET' || method === 'POST' ? path : `/items/${(i % 9) + 1}`}`
      let res: Response
      let text: string
      try {
        res = await fetch(url, { method, headers, body: method === 'DELETE' ? undefined : body })
        text = await res.text()
      } catch (error) {
        // A request whose headers are refused may lose its body's socket: not an answer, not a 5xx.
        if (!headers['x-huge']) failures.push(`${method} ${url} → ${(error as Error).message}`)
        n++
        return
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      n++
      if (res.status >= 500) failures.push(`${method} ${url} → ${res.status} ${text.slice(0, 200)}`)
      else if (res.status >= 400 && !path.startsWith('/openapi')) {
        try {
          const json = JSON.parse(text) as { success?: unknown; reason?: unknown }
          if (json.success !== false || typeof json.reason !== 'string') failures.push(`${method} ${url} → ${res.status} not the envelope: ${text.slice(0, 200)}`)
        } catch {
          failures.push(`${method} ${url} → ${res.status} not JSON: ${text.slice(0, 200)}`)
        }
      }
    }
    const total = 5_000
    let next = 0
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < total) await one(next++)
    }))
    assert.equal(n, total)
    t.diagnostic(`statuses: ${JSON.stringify([...statuses].sort())}`)
    assert.deepEqual(failures, [], JSON.stringify([...statuses]))
    // The demo still answers afterwards.
    assert.ok(child.exitCode === null, 'the demo is still running')
  })
})
