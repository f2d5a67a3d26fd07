import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { describe, it } from 'node:test'
import { bindListener, ListenError } from '../shared/listen-error.ts'
import { describeListenError } from './listen-failure.ts'

/** A bind failure as Node reports it (errno, syscall, address). */
function nodeError(code: string, syscall = 'listen'): NodeJS.ErrnoException {
  return Object.assign(new Error(`${syscall} ${code}: something 127.0.0.1:80`), { code, syscall })
}

describe('listener bind failures', () => {
  it('turns a real port conflict into a ListenError naming the listener and the address', async () => {
    const held = createServer().listen(0, '127.0.0.1')
    await new Promise((r) => held.once('listening', r))
    const port = (held.address() as { port: number }).port
    const second = createServer()
    try {
      const error = await bindListener('ops', '127.0.0.1', port, () => new Promise((res, rej) => second.once('error', rej).listen(port, '127.0.0.1', () => res(null)))).then(
        () => assert.fail('bound a port in use'),
        (e: unknown) => e,
      )
      assert.ok(error instanceof ListenError)
      assert.equal(error.code, 'EADDRINUSE')
      assert.equal(
        describeListenError(error),
        `cannot listen on 127.0.0.1:${port} for the operations listener (ops_listen, MOODLE_BRIDGE_OPS_LISTEN): address already in use — ` +
          'is another moodle-bridge (or another program) listening there? Choose another port, or ops_listen: off',
      )
    } finally {
      held.close()
    }
  })

  it('explains permission, missing addresses and unknown hosts; brackets IPv6 hosts', async () => {
    const fail = (code: string, host: string, port: number, syscall?: string) =>
      bindListener('api', host, port, () => Promise.reject(nodeError(code, syscall))).catch((e: ListenError) => describeListenError(e))
    assert.match(await fail('EACCES', '0.0.0.0', 80), /^cannot listen on 0\.0\.0\.0:80 for the API listener \(host and port: --host, --port, MOODLE_BRIDGE_HOST, MOODLE_BRIDGE_PORT\): permission denied — ports below 1024 need privileges/)
    assert.match(await fail('EADDRNOTAVAIL', '2001:db8::1', 8787), /^cannot listen on \[2001:db8::1\]:8787 .*: address not available on this machine — /)
    assert.match(await fail('ENOTFOUND', 'moodle.invalid', 8787, 'getaddrinfo'), /: host name not found — give an IP address/)
    assert.doesNotMatch(await fail('EACCES', '0.0.0.0', 80), /ops_listen/, 'the API listener cannot be switched off')
  })

  it('leaves other failures alone', async () => {
    const other = new Error('not a bind failure')
    await assert.rejects(bindListener('api', '127.0.0.1', 1, () => Promise.reject(other)), (e) => e === other)
  })
})
