import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { JwksClient } from './jwks-client.ts'

type Handler = (res: ServerResponse) => void

let server: Server
let base: string
let handler: Handler = (res) => res.end()
before(async () => {
  server = createServer((_req, res) => handler(res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const client = () => new JwksClient({ url: new URL(`${base}/jwks`), nowMs: () => 0, timeoutMs: 120_000 })

describe('JwksClient: the document size limit', () => {
  it('stops reading an endless body once it is past 512 KiB, and closes the connection', async () => {
    let sent = 0
    let closed!: () => void
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve))
    handler = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      const chunk = Buffer.alloc(16 * 1024, 0x20)
      res.write('{"keys":[')
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) sent += chunk.length
        if (!res.destroyed) res.once('drain', pump)
      }
      res.on('close', closed)
      pump()
    }
    const jwks = client()
    try {
      // The timeout is two minutes: the look-up ends with the size error, not with it.
      const lookup = await jwks.keyFor('RS256', 'k1')
      assert.deepEqual(lookup, { ok: false, unavailable: true, cause: 'JWKS unavailable: document too large' })
      await connectionClosed
      // The server could only push what the socket buffers hold beyond the limit, never "endless".
      assert.ok(sent < 64 * 1024 * 1024, `sent ${sent} bytes`)
    } finally {
      jwks.close()
    }
  })

  it('reads a document of just under the limit', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' }
    const body = JSON.stringify({ keys: [jwk], padding: '' })
    const padded = body.replace('"padding":""', `"padding":"${'x'.repeat(512 * 1024 - body.length)}"`)
    assert.equal(Buffer.byteLength(padded), 512 * 1024)
    handler = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(padded)
    const jwks = client()
    try {
      const lookup = await jwks.keyFor('RS256', 'k1')
      assert.equal(lookup.ok, true)
    } finally {
      jwks.close()
    }
  })

  it('refuses a document one byte over the limit with the same error', async () => {
    handler = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(`{"keys":[]}${' '.repeat(512 * 1024 - 10)}`)
    const jwks = client()
    try {
      assert.deepEqual(await jwks.keyFor('RS256', 'k1'), { ok: false, unavailable: true, cause: 'JWKS unavailable: document too large' })
    } finally {
      jwks.close()
    }
  })
})
