import assert from 'node:assert/strict'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseConfig } from '../config/index.ts'
import { diffSites } from './diff-sites.ts'
import { SiteRouter, type SiteApp, type SiteEvent, type SiteHooks } from './site-router.ts'
import { parseSitesFile, type SiteEntry } from './sites-file.ts'

const base = parseConfig({ api_key: 'k'.repeat(40) })
const planOf = (lines: string[]) => parseSitesFile(`sites:\n${lines.map((l) => `  - ${l}`).join('\n')}\n`, 'sites.yaml', base)

describe('SiteRouter over real HTTP', () => {
  let server: Server
  let router: SiteRouter
  let port: number
  const events: SiteEvent[] = []
  const opened: string[] = []
  const closed: string[] = []
  let brokenWorks = false
  // 'flaky' opens fine; while its database is "down" each request reports it, as the APIs do.
  let flakyDown = false
  let flakyHandled = 0

  const open = async (site: SiteEntry, hooks: SiteHooks): Promise<SiteApp> => {
    await sleep(20) // opening takes a moment, as pools and warm-up do
    if (site.id === 'broken' && !brokenWorks) throw new Error('connect ECONNREFUSED 127.0.0.1:5432')
    const generation = opened.push(site.id)
    return {
      handle(req, res) {
        if (site.id === 'flaky') {
          flakyHandled++
          if (flakyDown) {
            const retryAfterS = hooks.unavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))
            res.writeHead(503, { 'content-type': 'application/json', 'retry-after': String(retryAfterS) }).end(JSON.stringify({ error: 'down', generation }))
            return
          }
        }
        const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0)
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ site: site.id, url: req.url, generation, key: site.config.api_key?.slice(0, 1) })), delay)
      },
      async close() {
        closed.push(site.id)
      },
    }
  }

  before(async () => {
    router = new SiteRouter({
      plan: planOf([
        '{ id: a, moodle_dir: /srv/a, hosts: [a.example.org] }',
        '{ id: b, moodle_dir: /srv/b, hosts: [lms.example.org], path_prefix: /b }',
        '{ id: broken, moodle_dir: /srv/broken, hosts: [broken.example.org] }',
        '{ id: flaky, moodle_dir: /srv/flaky, hosts: [flaky.example.org] }',
      ]),
      open,
      trustedProxy: (address) => address === '127.0.0.1' || address === '::ffff:127.0.0.1',
      renderError: (path, status) => ({
        contentType: 'application/json; charset=utf-8',
        body: JSON.stringify(path.includes('/local/middag/') ? { success: false, reason: status === 404 ? 'not_found' : 'site_unavailable' } : { error: status === 404 ? 'Not found.' : 'Service unavailable.' }),
      }),
      backoffMs: 300,
      maxBackoffMs: 1200,
      idleCloseMs: 400,
      onEvent: (e) => events.push(e),
    })
    server = createServer(router.handle)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  after(async () => {
    await router.close()
    await new Promise((resolve) => server.close(resolve))
  })

  // fetch() may not set Host (a forbidden header): node:http can.
  const get = (host: string, path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; retryAfter: string | null; json: Record<string, unknown> }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers: { host, ...headers } }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: (res.headers['retry-after'] as string | undefined) ?? null, json: JSON.parse(text) as Record<string, unknown> }))
      })
      req.on('error', reject)
      req.end()
    })

  it('routes by host and prefix, opening each site once on its first requests', async () => {
    const [a1, a2, b] = await Promise.all([
      get('a.example.org', '/local/moopanel/server.php/?x=1'),
      get('A.example.org', '/y'),
      get('lms.example.org', '/b/local/middag/index.php/api/v1/items'),
    ])
    assert.deepEqual([a1.status, a1.json.site, a1.json.url], [200, 'a', '/local/moopanel/server.php/?x=1'])
    assert.deepEqual([a2.json.site, a2.json.generation], ['a', a1.json.generation])
    assert.deepEqual([b.json.site, b.json.url], ['b', '/local/middag/index.php/api/v1/items'])
    assert.equal(opened.filter((id) => id === 'a').length, 1)
    // Through a trusted proxy, X-Forwarded-Host decides.
    assert.equal((await get('proxy.internal', '/z', { 'x-forwarded-host': 'a.example.org' })).json.site, 'a')
  })

  it('answers 404 for an unknown host or path, in the API shape, naming no other site', async () => {
    const unknown = await get('other.example.org', '/local/moopanel/server.php/')
    assert.deepEqual([unknown.status, unknown.json], [404, { error: 'Not found.' }])
    const items = await get('lms.example.org', '/c/local/middag/index.php/api/v1/items')
    assert.deepEqual([items.status, items.json], [404, { success: false, reason: 'not_found' }])
  })

  it('keeps a site that cannot open to itself: 503 with Retry-After, retried with back-off, recovered when it works', async () => {
    const first = await get('broken.example.org', '/local/moopanel/server.php/')
    assert.equal(first.status, 503)
    assert.ok(Number(first.retryAfter) >= 1)
    // During the back-off no new open is tried.
    const failuresBefore = events.filter((e) => e.type === 'open_failed').length
    assert.equal((await get('broken.example.org', '/')).status, 503)
    assert.equal(events.filter((e) => e.type === 'open_failed').length, failuresBefore)
    assert.equal((await get('a.example.org', '/')).status, 200, 'the others keep serving')
    const status = router.status().find((s) => s.id === 'broken')!
    assert.equal(status.state, 'broken')
    assert.match(status.lastError!, /ECONNREFUSED/)
    brokenWorks = true
    await sleep(350)
    const back = await get('broken.example.org', '/')
    assert.deepEqual([back.status, back.json.site], [200, 'broken'])
    assert.equal(router.status().find((s) => s.id === 'broken')!.state, 'open')
  })

  it('takes an open site whose database goes away out of service: 503 with Retry-After, a doubling back-off, reopened once it works', async () => {
    const up = await get('flaky.example.org', '/')
    assert.equal(up.status, 200)
    const firstGeneration = up.json.generation
    flakyDown = true
    // Two requests failing together count as one failure.
    const [down1, down2] = await Promise.all([get('flaky.example.org', '/?delay=0'), get('flaky.example.org', '/?delay=0')])
    assert.deepEqual([down1.status, down2.status], [503, 503])
    assert.ok(Number(down1.retryAfter) >= 1 && Number(down2.retryAfter) >= 1, `${down1.retryAfter} ${down2.retryAfter}`)
    const trips = events.filter((e) => e.type === 'unavailable' && e.site === 'flaky')
    assert.equal(trips.length, 1, JSON.stringify(trips))
    assert.equal(trips[0]!.type === 'unavailable' && trips[0]!.retryInMs, 300)
    // Out of service: answered by the router during the back-off, the app is not asked, and it is closed.
    const handled = flakyHandled
    const during = await get('flaky.example.org', '/local/moopanel/server.php/')
    assert.deepEqual([during.status, during.json], [503, { error: 'Service unavailable.' }])
    assert.ok(Number(during.retryAfter) >= 1)
    assert.equal(flakyHandled, handled)
    assert.equal(router.status().find((s) => s.id === 'flaky')!.state, 'broken')
    assert.match(router.status().find((s) => s.id === 'flaky')!.lastError!, /administrator command/)
    await sleep(50)
    assert.ok(closed.includes('flaky'), 'the tripped app is closed')
    assert.equal((await get('a.example.org', '/')).status, 200, 'the others keep serving')
    // After the back-off it is opened anew; still down, it waits twice as long.
    await sleep(350)
    assert.equal((await get('flaky.example.org', '/')).status, 503)
    const second = events.filter((e) => e.type === 'unavailable' && e.site === 'flaky')
    assert.equal(second.length, 2)
    assert.equal(second[1]!.type === 'unavailable' && second[1]!.retryInMs, 600)
    // Back: served by a new app, and the back-off starts over.
    flakyDown = false
    await sleep(650)
    const back = await get('flaky.example.org', '/')
    assert.equal(back.status, 200)
    assert.notEqual(back.json.generation, firstGeneration)
    assert.equal(router.status().find((s) => s.id === 'flaky')!.state, 'open')
    flakyDown = true
    assert.equal((await get('flaky.example.org', '/')).status, 503)
    const third = events.filter((e) => e.type === 'unavailable' && e.site === 'flaky')
    assert.equal(third[2]!.type === 'unavailable' && third[2]!.retryInMs, 300, 'a success resets the back-off')
    flakyDown = false
  })

  it('closes idle sites and opens them again on use', async () => {
    await get('a.example.org', '/')
    const opensBefore = opened.filter((id) => id === 'a').length
    await sleep(1000)
    assert.ok(events.some((e) => e.type === 'closed' && e.site === 'a' && e.reason === 'idle'), JSON.stringify(events))
    assert.equal(router.status().find((s) => s.id === 'a')!.state, 'closed')
    assert.equal((await get('a.example.org', '/')).status, 200)
    assert.equal(opened.filter((id) => id === 'a').length, opensBefore + 1)
  })

  it('applies a new plan under load without failing a request to a site that stays', async () => {
    const current = planOf([
      '{ id: a, moodle_dir: /srv/a, hosts: [a.example.org] }',
      '{ id: b, moodle_dir: /srv/b, hosts: [lms.example.org], path_prefix: /b }',
      '{ id: broken, moodle_dir: /srv/broken, hosts: [broken.example.org] }',
    ])
    const next = planOf([
      '{ id: a, moodle_dir: /srv/a, hosts: [a.example.org], options: { api_key: "' + 'n'.repeat(40) + '" } }',
      '{ id: c, moodle_dir: /srv/c, hosts: [c.example.org] }',
      '{ id: broken, moodle_dir: /srv/broken, hosts: [broken.example.org] }',
    ])
    let stop = false
    const results: number[] = []
    const load = Array.from({ length: 6 }, async () => {
      while (!stop) {
        const r = await get('a.example.org', '/?delay=15')
        results.push(r.status)
      }
    })
    await sleep(100)
    const slow = get('lms.example.org', '/b/slow?delay=300') // in flight on a removed site: it finishes
    while (router.status().find((s) => s.id === 'b')!.inFlight === 0) await sleep(5)
    await router.apply(next, diffSites(current, next))
    try {
    const afterChange = await get('a.example.org', '/')
    assert.equal(afterChange.json.key, 'n', 'the changed site serves with its new options')
    assert.equal((await slow).status, 200)
    assert.equal((await get('lms.example.org', '/b/x')).status, 404, 'a removed site is gone')
    assert.equal((await get('c.example.org', '/')).json.site, 'c', 'an added site serves')
    await sleep(100)
    } finally {
      stop = true
      await Promise.all(load)
    }
    assert.ok(results.length > 20, String(results.length))
    assert.deepEqual([...new Set(results)], [200])
    assert.ok(closed.includes('b'))
  })
})
