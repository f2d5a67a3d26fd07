import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AppError } from '../shared/errors.ts'
import { downloadPackage, type DownloadOptions } from './download-package.ts'

const BODY = Buffer.from('PK fake zip body '.repeat(1000))
const BODY_MD5 = createHash('md5').update(BODY).digest('hex')

let tmp: string
let server: Server
let base: string
let port: number
const hits = new Map<string, number>()
const open = new Set<ServerResponse>()

function handle(path: string, res: ServerResponse): void {
  const redirect = (location: string, status = 302) => {
    res.writeHead(status, { location })
    res.end()
  }
  switch (path) {
    case '/file.zip':
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': BODY.length })
      return void res.end(BODY)
    case '/chunked.zip':
      res.writeHead(200, { 'content-type': 'application/zip' })
      for (let i = 0; i < 10; i++) res.write(BODY)
      return void res.end()
    case '/redirect':
      return redirect('/file.zip')
    case '/redirect-301-absolute':
      return redirect(`${base}/redirect`, 301)
    case '/redirect-to-localhost':
      return redirect(`http://localhost:${port}/file.zip`)
    case '/redirect-to-evil':
      return redirect('https://evil.example/file.zip', 307)
    case '/redirect-with-credentials':
      return redirect(`http://user:secret@127.0.0.1:${port}/file.zip`)
    case '/redirect-no-location':
      res.writeHead(302)
      return void res.end()
    case '/loop':
      return redirect('/loop')
    case '/not-found':
      res.writeHead(404)
      return void res.end('nope')
    case '/slow-headers':
      open.add(res)
      return // never answers
    case '/slow-body':
      open.add(res)
      res.writeHead(200, { 'content-length': 1000 })
      return void res.write('PK') // then stalls
    case '/trickle': {
      // Sends a byte every 50 ms forever: never idle, but never finished.
      open.add(res)
      res.writeHead(200)
      const timer = setInterval(() => res.write('x'), 50)
      res.on('close', () => clearInterval(timer))
      return
    }
    default:
      res.writeHead(500)
      res.end()
  }
}

const policy = () => ({ allowedHosts: ['127.0.0.1'], allowHttp: true, maxBytes: 1024 * 1024, timeoutMs: 5000 })
let fileNo = 0
const target = () => join(tmp, `download-${++fileNo}.zip`)

async function fails(url: string, options: DownloadOptions, code: string): Promise<AppError> {
  let caught: unknown
  await downloadPackage(url, options).catch((error: unknown) => {
    caught = error
  })
  assert.ok(caught instanceof AppError, `expected ${code}, got ${String(caught)}`)
  assert.equal(caught.code, code, caught.message)
  assert.equal(existsSync(options.targetFile), false, 'no partial file may remain')
  return caught
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'mb-download-'))
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    hits.set(path, (hits.get(path) ?? 0) + 1)
    handle(path, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  base = `http://127.0.0.1:${port}`
})

after(async () => {
  for (const res of open) res.destroy()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await rm(tmp, { recursive: true, force: true })
})

describe('downloadPackage', () => {
  it('downloads a file, returning size and md5', async () => {
    const file = target()
    const result = await downloadPackage(`${base}/file.zip`, { ...policy(), targetFile: file, expectedMd5: BODY_MD5.toUpperCase() })
    assert.deepEqual(result, { sizeBytes: BODY.length, md5: BODY_MD5 })
    assert.deepEqual(await readFile(file), BODY)
  })

  it('follows redirects to allowed hosts, re-checking each', async () => {
    const result = await downloadPackage(`${base}/redirect-301-absolute`, { ...policy(), targetFile: target() })
    assert.equal(result.md5, BODY_MD5)
  })

  it('refuses redirects to hosts that are not allowed, without requesting them', async () => {
    const before = hits.get('/file.zip') ?? 0
    const error = await fails(`${base}/redirect-to-localhost`, { ...policy(), targetFile: target() }, 'download_url_not_allowed')
    assert.match(error.message, /^Download URL not allowed/)
    await fails(`${base}/redirect-to-evil`, { ...policy(), targetFile: target() }, 'download_url_not_allowed')
    const credentials = await fails(`${base}/redirect-with-credentials`, { ...policy(), targetFile: target() }, 'download_url_not_allowed')
    assert.doesNotMatch(credentials.message, /secret/)
    assert.equal(hits.get('/file.zip') ?? 0, before)
  })

  it('follows at most 5 redirects', async () => {
    const before = hits.get('/loop') ?? 0
    const error = await fails(`${base}/loop`, { ...policy(), targetFile: target() }, 'download_failed')
    assert.equal(error.message, 'Cannot download zip file: too many redirects.')
    assert.equal((hits.get('/loop') ?? 0) - before, 6)
    await fails(`${base}/loop`, { ...policy(), maxRedirects: 0, targetFile: target() }, 'download_failed')
  })

  it('fails on redirects without Location and on error statuses', async () => {
    await fails(`${base}/redirect-no-location`, { ...policy(), targetFile: target() }, 'download_failed')
    const error = await fails(`${base}/not-found`, { ...policy(), targetFile: target() }, 'download_failed')
    assert.equal(error.message, 'Cannot download zip file: HTTP 404.')
  })

  it('refuses http when allowHttp is false, and hosts or IPs not listed, before connecting', async () => {
    const before = hits.get('/file.zip') ?? 0
    await fails(`${base}/file.zip`, { ...policy(), allowHttp: false, targetFile: target() }, 'download_url_not_allowed')
    await fails(`${base}/file.zip`, { ...policy(), allowedHosts: ['*.moodle.org', 'moodle.org'], targetFile: target() }, 'download_url_not_allowed')
    await fails(`http://user:pw@127.0.0.1:${port}/file.zip`, { ...policy(), targetFile: target() }, 'download_url_not_allowed')
    assert.equal(hits.get('/file.zip') ?? 0, before)
  })

  it('allows an extra origin even when the host is not listed', async () => {
    const result = await downloadPackage(`${base}/file.zip`, {
      ...policy(),
      allowedHosts: [],
      allowHttp: false,
      extraAllowedOrigins: [base],
      targetFile: target(),
    })
    assert.equal(result.sizeBytes, BODY.length)
  })

  it('refuses a body over the limit announced by Content-Length', async () => {
    const error = await fails(`${base}/file.zip`, { ...policy(), maxBytes: BODY.length - 1, targetFile: target() }, 'download_too_large')
    assert.equal(error.message, 'File too large.')
  })

  it('refuses a body over the limit without Content-Length, deleting the partial file', async () => {
    await fails(`${base}/chunked.zip`, { ...policy(), maxBytes: BODY.length * 3, targetFile: target() }, 'download_too_large')
    const ok = await downloadPackage(`${base}/chunked.zip`, { ...policy(), maxBytes: BODY.length * 10, targetFile: target() })
    assert.equal(ok.sizeBytes, BODY.length * 10)
  })

  it('refuses a wrong md5 and deletes the file', async () => {
    const error = await fails(`${base}/file.zip`, { ...policy(), expectedMd5: '0'.repeat(32), targetFile: target() }, 'download_checksum_mismatch')
    assert.equal(error.message, 'Checksum mismatch.')
  })

  it('times out waiting for headers and for body data', async () => {
    const started = Date.now()
    const error = await fails(`${base}/slow-headers`, { ...policy(), idleTimeoutMs: 200, targetFile: target() }, 'download_failed')
    assert.equal(error.message, 'Cannot download zip file: timed out.')
    await fails(`${base}/slow-body`, { ...policy(), idleTimeoutMs: 200, targetFile: target() }, 'download_failed')
    assert.ok(Date.now() - started < 3000)
  })

  it('enforces the total timeout even while data keeps coming', async () => {
    const started = Date.now()
    const error = await fails(`${base}/trickle`, { ...policy(), timeoutMs: 300, targetFile: target() }, 'download_failed')
    assert.equal(error.message, 'Cannot download zip file: timed out.')
    assert.ok(Date.now() - started < 2000)
  })

  it('can be cancelled', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const error = await fails(`${base}/slow-headers`, { ...policy(), signal: controller.signal, targetFile: target() }, 'download_failed')
    assert.equal(error.message, 'Cannot download zip file: cancelled.')
  })

  it('fails cleanly when nothing listens', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const freePort = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const error = await fails(`http://127.0.0.1:${freePort}/x.zip`, { ...policy(), targetFile: target() }, 'download_failed')
    assert.equal(error.message, 'Cannot download zip file: connection failed.')
  })

  it('never overwrites an existing target file', async () => {
    const file = target()
    await writeFile(file, 'keep me')
    await assert.rejects(downloadPackage(`${base}/file.zip`, { ...policy(), targetFile: file }), { code: 'download_target_exists' })
    assert.equal(await readFile(file, 'utf8'), 'keep me')
  })
})
