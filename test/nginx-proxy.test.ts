/**
 * The shipped nginx snippet (deploy/nginx-moodle-bridge.conf) in front of the service, with real
 * nginx (Debian's package; `.ci/run` installs it): a management call through the proxy, a site in
 * a sub-directory, streaming /users, the Items API path, PHP still serving everything else, and
 * X-Forwarded-For reaching the allow-list. Clients connect from other loopback addresses
 * (127.0.0.2, 127.0.0.3) so that nginx appends a real client address, as it would for a remote one.
 * Skipped with a note when nginx is not installed, except under CI, where that is a failure.
 */
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { startFixtureService, TEST_KEY, type FixtureService } from './support/start-fixture-service.ts'
// @ts-expect-error: plain .mjs helper shared with the test runner
import { freePort } from '../scripts/test-env/util.mjs'

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => spawnSync(path, ['-v']).status === 0)
const SNIPPET = resolve(import.meta.dirname, '..', 'deploy', 'nginx-moodle-bridge.conf')

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** One HTTP/1.1 request from a chosen loopback source address. */
function get(url: string, options: { from: string; headers?: Record<string, string> }): Promise<Answer> {
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { localAddress: options.from, headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.setTimeout(20_000, () => req.destroy(new Error(`no answer from ${url}`)))
    req.end()
  })
}

describe('nginx in front of the service (deploy/nginx-moodle-bridge.conf)', { skip: !NGINX && !process.env['CI'] ? 'nginx is not installed' : false }, () => {
  let fx: FixtureService
  let nginx: ChildProcess
  let tmp: string
  let proxy: string
  let direct: string
  const key = { 'x-api-key': TEST_KEY }

  before(async () => {
    assert.ok(NGINX, 'nginx is not installed (apt-get install nginx)')
    fx = await startFixtureService('pgsql', {
      trusted_proxies: ['127.0.0.1'],
      ip_allowlist: ['127.0.0.2'],
      ops_listen: 'off',
    })
    await fx.service.app.listen({ host: '127.0.0.1', port: 0 })
    const servicePort = (fx.service.app.server.address() as AddressInfo).port
    direct = `http://127.0.0.1:${servicePort}`

    tmp = mkdtempSync(join(tmpdir(), 'mb-nginx-'))
    chmodSync(tmp, 0o777) // nginx's workers run as nobody when the test runs as root
    for (const dir of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(tmp, dir), { mode: 0o777 })
    const snippet = readFileSync(SNIPPET, 'utf8').replaceAll('127.0.0.1:8787', `127.0.0.1:${servicePort}`)
    writeFileSync(join(tmp, 'moodle-bridge.conf'), snippet)
    const port = (await freePort()) as number
    proxy = `http://127.0.0.1:${port}`
    writeFileSync(
      join(tmp, 'nginx.conf'),
      `daemon off;
worker_processes 1;
pid ${tmp}/nginx.pid;
error_log ${tmp}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
  server {
    listen 127.0.0.1:${port};
    server_name moodle.test;
    include ${tmp}/moodle-bridge.conf;
    # Stands for Moodle's PHP location, which must not see the APIs' paths.
    location ~ [^/]\\.php(/|$) { default_type text/plain; return 200 "php\\n"; }
    location / { default_type text/plain; return 200 "static\\n"; }
  }
}
`,
    )
    nginx = spawn(NGINX!, ['-p', tmp, '-c', join(tmp, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    nginx.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()))
    for (let i = 0; ; i++) {
      const up = await get(`${proxy}/index.php`, { from: '127.0.0.1' }).then(() => true, () => false)
      if (up) break
      if (nginx.exitCode !== null || i > 100) assert.fail(`nginx did not start: ${stderr}`)
      await sleep(100)
    }
  })

  after(async () => {
    if (nginx && nginx.exitCode === null) {
      nginx.kill('SIGTERM')
      await new Promise((done) => nginx.once('exit', done))
    }
    await fx?.close()
    if (tmp) rmSync(tmp, { recursive: true, force: true })
  })

  it('serves a management call through the proxy with the same body as directly', async () => {
    const through = await get(`${proxy}/local/moopanel/server.php/`, { from: '127.0.0.2', headers: key })
    assert.equal(through.status, 200, through.body)
    assert.equal(through.headers['content-type'], 'application/json; charset=utf-8')
    const straight = await get(`${direct}/local/moopanel/server.php/`, { from: '127.0.0.1', headers: { ...key, 'x-forwarded-for': '127.0.0.2' } })
    assert.equal(straight.status, 200, straight.body)
    assert.equal(through.body, straight.body)
  })

  it('routes a site in a sub-directory and streams /users whole', async () => {
    const sub = await get(`${proxy}/moodle/local/moopanel/server.php/users/count`, { from: '127.0.0.2', headers: key })
    assert.equal(sub.status, 200, sub.body)
    const users = await get(`${proxy}/moodle/local/moopanel/server.php//users?fields=id,username`, { from: '127.0.0.2', headers: key })
    assert.equal(users.status, 200, users.body.slice(0, 200))
    const list = JSON.parse(users.body) as { number_of_users: number; users: unknown[] }
    const count = (JSON.parse(sub.body) as { number_of_users: number }).number_of_users
    assert.ok(count > 1000, 'the fixture has thousands of users: the stream spans many writes')
    assert.equal(list.number_of_users, count)
    assert.equal(list.users.length, count)
  })

  it('sends the Items API path to the service and every other .php path to PHP', async () => {
    const items = await get(`${proxy}/local/middag/index.php/api/v1/items`, { from: '127.0.0.2' })
    assert.match(items.headers['content-type'] as string, /^application\/(problem\+)?json/)
    assert.notEqual(items.body, 'php\n')
    assert.equal((await get(`${proxy}/admin/index.php`, { from: '127.0.0.2' })).body, 'php\n')
    assert.equal((await get(`${proxy}/local/moopanel/other.php`, { from: '127.0.0.2' })).body, 'php\n')
  })

  it('lets the client address from X-Forwarded-For reach the allow-list, and a forged one not', async () => {
    const other = await get(`${proxy}/local/moopanel/server.php/`, { from: '127.0.0.3', headers: key })
    assert.equal(other.status, 403)
    assert.deepEqual(JSON.parse(other.body), { error: 'IP address not allowed.' })
    // The client claims to be the allowed address; nginx appends the real one, which decides.
    const forged = await get(`${proxy}/local/moopanel/server.php/`, { from: '127.0.0.3', headers: { ...key, 'x-forwarded-for': '127.0.0.2' } })
    assert.equal(forged.status, 403)
    const allowed = await get(`${proxy}/local/moopanel/server.php/`, { from: '127.0.0.2', headers: key })
    assert.equal(allowed.status, 200)
  })

  it('passes the request id nginx assigns to the service, which answers with it', async () => {
    const res = await get(`${proxy}/local/moopanel/server.php/`, { from: '127.0.0.2', headers: key })
    assert.match(String(res.headers['x-request-id']), /^[0-9a-f]{32}$/)
  })
})
