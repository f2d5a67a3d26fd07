/** Small helpers shared by the test-environment scripts. */
import { createServer } from 'node:net'
import { readFile } from 'node:fs/promises'
import { gunzipSync } from 'node:zlib'
import { setTimeout as sleep } from 'node:timers/promises'

/** An expected setup failure: printed as its message alone, without a stack. */
export function setupError(message) {
  return Object.assign(new Error(message), { setup: true })
}

/** Prints one setup line, prefixed so it stands apart from test output. */
export function log(message) {
  process.stdout.write(`[test-env] ${message}\n`)
}

/** Milliseconds since `start` (from performance.now()) as "1.23 s". */
export function seconds(start) {
  return `${((performance.now() - start) / 1000).toFixed(2)} s`
}

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** Reads a .gz file and returns its text (UTF-8). */
export async function gunzipText(path) {
  return gunzipSync(await readFile(path)).toString('utf8')
}

/** Calls `probe` until it resolves truthy or `timeoutMs` passes; `check` may throw to abort early. */
export async function waitFor(what, probe, { timeoutMs = 30_000, intervalMs = 100, check } = {}) {
  const deadline = Date.now() + timeoutMs
  let lastError
  while (Date.now() < deadline) {
    check?.()
    try {
      if (await probe()) return
    } catch (error) {
      lastError = error
    }
    await sleep(intervalMs)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`)
}
