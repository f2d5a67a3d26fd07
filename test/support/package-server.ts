/**
 * A local HTTP server standing in for moodle.org's plugin downloads (and MooPanel's zip storage) in
 * tests: serves the buffers it is given by path, counts requests, can answer 503 for a path.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface PackageServer {
  /** `http://127.0.0.1:<port>` */
  origin: string
  files: Map<string, Buffer>
  /** Paths answered 503 this many more times. */
  failures: Map<string, number>
  hits: string[]
  stop(): Promise<void>
}

export async function startPackageServer(): Promise<PackageServer> {
  const files = new Map<string, Buffer>()
  const failures = new Map<string, number>()
  const hits: string[] = []
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!
    hits.push(path)
    const failing = failures.get(path) ?? 0
    if (failing > 0) {
      failures.set(path, failing - 1)
      res.writeHead(503).end('busy')
      return
    }
    const body = files.get(path)
    if (!body) {
      res.writeHead(404).end('not found')
      return
    }
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': body.length }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    files,
    failures,
    hits,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
