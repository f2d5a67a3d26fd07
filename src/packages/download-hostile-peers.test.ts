/**
 * Package downloads against peers that misbehave at the TCP level (issue #10 point 0): a raw
 * socket server that answers HTTP/1.0 and closes after the body, truncates, stalls or resets, with a
 * body large enough (24 MiB) and a target slow enough that back-pressure pauses the response while
 * the peer ends its side. Each case must end in a result or a `download_*` error of this promise:
 * never an uncaught exception (the test runner would fail the file), a hang or a partial file.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, open, rm, stat } from 'node:fs/promises'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { AppError } from '../shared/errors.ts'
import { startRawPeer, type PeerBehaviour, type RawPeer } from '../shared/test-raw-peer.ts'
import { downloadPackage, type DownloadOptions } from './download-package.ts'

const BODY = randomBytes(24 * 1024 * 1024)
const BODY_MD5 = createHash('md5').update(BODY).digest('hex')
const HALF = BODY.subarray(0, BODY.length / 2)


/** Writes `chunks` to the socket as fast as it accepts them, then runs `then`. */
function send(socket: Socket, head: string, body: Buffer, then: () => void): void {
  socket.write(head)
  let offset = 0
  const pump = () => {
    while (offset < body.length) {
      const chunk = body.subarray(offset, offset + 256 * 1024)
      offset += chunk.length
      if (!socket.write(chunk)) return void socket.once('drain', pump)
    }
    then()
  }
  pump()
}

const BEHAVIOURS: Record<string, PeerBehaviour> = {
  // python3 -m http.server: HTTP/1.0, Content-Length, the server closes right after the body.
  '/http10-close.zip': (s) => send(s, `HTTP/1.0 200 OK\r\nContent-Type: application/zip\r\nContent-Length: ${BODY.length}\r\n\r\n`, BODY, () => s.end()),
  // HTTP/1.0 without Content-Length: the close delimits the body.
  '/http10-no-length.zip': (s) => send(s, 'HTTP/1.0 200 OK\r\nContent-Type: application/zip\r\n\r\n', BODY, () => s.end()),
  // Announces the whole body, sends half, then closes cleanly (FIN).
  '/truncated.zip': (s) => send(s, `HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\nConnection: close\r\n\r\n`, HALF, () => s.end()),
  // Chunked, then the connection ends without the terminating zero-length chunk.
  '/truncated-chunked.zip': (s) =>
    send(s, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', Buffer.concat([Buffer.from(`${HALF.length.toString(16)}\r\n`), HALF, Buffer.from('\r\n')]), () => s.end()),
  // Sends half the body, then resets the connection (RST). resetAndDestroy() runs outside the write
  // callback: called inside it, Node 20 can hang at exit closing that socket.
  '/reset.zip': (s) => send(s, `HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n`, HALF, () => setImmediate(() => s.resetAndDestroy())),
  // Sends half the body, then goes silent with the connection open.
  '/stall.zip': (s) => send(s, `HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n`, HALF, () => undefined),
  // Resets before any response.
  '/reset-before-headers.zip': (s) => s.resetAndDestroy(),
  // Garbage instead of HTTP.
  '/not-http.zip': (s) => s.end('SSH-2.0-OpenSSH_9.2\r\n'),
}

let tmp: string
let peer: RawPeer
let base: string

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'mb-hostile-'))
  peer = await startRawPeer(BEHAVIOURS)
  base = peer.base
})

after(async () => {
  await peer.close()
  await rm(tmp, { recursive: true, force: true })
})

/** A disk that takes a millisecond per 64 KiB write: well below what a local socket delivers. */
async function slowDisk(path: string): Promise<Writable> {
  const handle = await open(path, 'wx', 0o644)
  return new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      setTimeout(() => handle.write(chunk).then(() => callback(), callback), 1)
    },
    final(callback) {
      handle.close().then(() => callback(), callback)
    },
    destroy(error, callback) {
      handle.close().then(() => callback(error), () => callback(error))
    },
  })
}

let fileNo = 0
const options = (extra: Partial<DownloadOptions> = {}): DownloadOptions => ({
  allowedHosts: ['127.0.0.1'],
  allowHttp: true,
  maxBytes: 64 * 1024 * 1024,
  timeoutMs: 60_000,
  idleTimeoutMs: 2000,
  targetFile: join(tmp, `download-${++fileNo}.zip`),
  openTarget: slowDisk,
  ...extra,
})

async function fails(path: string, opts: DownloadOptions, detail: RegExp): Promise<void> {
  const error = await downloadPackage(`${base}${path}`, opts).then(
    () => assert.fail(`${path} should fail`),
    (caught: unknown) => caught,
  )
  assert.ok(error instanceof AppError, `expected AppError, got ${String(error)}`)
  assert.equal(error.code, 'download_failed')
  assert.match(error.message, /^Cannot download zip file: /)
  assert.match(error.message, detail)
  assert.equal(existsSync(opts.targetFile), false, 'no partial file may remain')
}

describe('downloadPackage against hostile peers (24 MiB body, slow disk)', () => {
  it('saves a body from an HTTP/1.0 server that closes the connection right after it', async () => {
    const opts = options()
    assert.deepEqual(await downloadPackage(`${base}/http10-close.zip`, opts), { sizeBytes: BODY.length, md5: BODY_MD5 })
    assert.equal((await stat(opts.targetFile)).size, BODY.length)
  })

  it('saves a close-delimited HTTP/1.0 body without Content-Length', async () => {
    const opts = options({ expectedMd5: BODY_MD5.toUpperCase() })
    assert.deepEqual(await downloadPackage(`${base}/http10-no-length.zip`, opts), { sizeBytes: BODY.length, md5: BODY_MD5 })
  })

  it('saves the same body to a fast disk too', async () => {
    const opts = options({ openTarget: undefined })
    assert.deepEqual(await downloadPackage(`${base}/http10-close.zip`, opts), { sizeBytes: BODY.length, md5: BODY_MD5 })
  })

  it('fails on a body shorter than its Content-Length', async () => {
    await fails('/truncated.zip', options(), /closed|connection/)
  })

  it('fails on a chunked body cut before its last chunk', async () => {
    await fails('/truncated-chunked.zip', options(), /closed|connection/)
  })

  it('fails on a connection reset in the middle of the body', async () => {
    await fails('/reset.zip', options(), /connection/)
  })

  it('fails on a peer that stalls in the middle of the body, after the idle limit', async () => {
    await fails('/stall.zip', options({ idleTimeoutMs: 500 }), /timed out/)
  })

  it('fails on a reset before the headers and on a peer that does not speak HTTP', async () => {
    await fails('/reset-before-headers.zip', options(), /connection/)
    await fails('/not-http.zip', options(), /connection/)
  })

  it('lets a slow disk take longer than the idle limit: only the peer\'s silence counts', async () => {
    // 24 MiB at ≤ 64 MiB/s takes well over 200 ms, while the peer never waits for us.
    const opts = options({ idleTimeoutMs: 200 })
    assert.deepEqual(await downloadPackage(`${base}/http10-close.zip`, opts), { sizeBytes: BODY.length, md5: BODY_MD5 })
  })
})
