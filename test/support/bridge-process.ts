/**
 * Real `bin/moodle-bridge` subprocesses for the many-sites tests: start one (serve or worker) with
 * an environment, wait for a log line, stop it (SIGTERM, then SIGKILL); plain HTTP requests with a
 * chosen Host header; a free port.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { Agent, request } from 'node:http'
import { createServer } from 'node:net'
import { resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'moodle-bridge')

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer()
    s.once('error', rej)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => res(port))
    })
  })
}

export interface BridgeProcess {
  readonly child: ChildProcess
  /** Everything it wrote to stdout and stderr so far. */
  output(): string
  /** Waits until `text` appears in the output (after `from`, an earlier output length); throws if it exits first. */
  waitFor(text: string | RegExp, timeoutMs?: number, from?: number): Promise<void>
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>
}

/** Starts `bin/moodle-bridge <args>` with `env` over the test process's environment. */
export function startBridge(args: string[], env: Record<string, string>): BridgeProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  return {
    child,
    output: () => out,
    async waitFor(text, timeoutMs = 60_000, from = 0) {
      const deadline = Date.now() + timeoutMs
      const seen = () => (typeof text === 'string' ? out.indexOf(text, from) !== -1 : text.test(out.slice(from)))
      while (!seen()) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`moodle-bridge ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}):\n${out.slice(-4000)}`)
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(text)} from moodle-bridge ${args.join(' ')}:\n${out.slice(-4000)}`)
        await sleep(50)
      }
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const killed = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(killed)
    },
  }
}

export interface HttpAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  /** The parsed body; `{}` when it is not JSON (the assertion then shows `body`). */
  json: Record<string, unknown>
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 })

/** One request to 127.0.0.1:`port` with the given Host header and, unless null, an `X-API-KEY`. */
export function hostRequest(
  port: number,
  host: string,
  path: string,
  key: string | null,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  return new Promise((res, rej) => {
    const headers: Record<string, string> = { host, ...(key === null ? {} : { 'x-api-key': key }), ...init.headers }
    if (init.body !== undefined) {
      headers['content-type'] ??= 'application/json'
      headers['content-length'] = String(Buffer.byteLength(init.body))
    }
    const req = request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers, agent }, (r) => {
      let body = ''
      r.setEncoding('utf8')
      r.on('data', (d) => (body += d))
      r.on('end', () => {
        let json: Record<string, unknown> = {}
        try {
          json = JSON.parse(body) as Record<string, unknown>
        } catch {
          // left empty: the assertion shows the body
        }
        res({ status: r.statusCode ?? 0, headers: r.headers, body, json })
      })
      r.on('error', rej)
    })
    req.on('error', rej)
    req.end(init.body)
  })
}
