import { fork, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Starts a child and waits until `url` answers (any status). With `opsPort` (a free port for the
 * service's operations listener) it then waits until `/readyz` answers 200: the service's warm-up
 * (issue #10) runs in the background after the API port answers, and a measurement started before
 * it ends would count the warm-up's work against the first endpoint measured.
 */
export async function startChild(command: string, args: string[], env: NodeJS.ProcessEnv, url: string, opsPort?: number): Promise<ChildProcess> {
  const childEnv = opsPort === undefined ? env : { ...env, MOODLE_BRIDGE_OPS_LISTEN: `127.0.0.1:${opsPort}` }
  const child = spawn(command, args, { env: { ...process.env, ...childEnv }, stdio: ['ignore', 'ignore', 'inherit'] })
  await waitForUrl(url, child)
  if (opsPort !== undefined) await waitForUrl(`http://127.0.0.1:${opsPort}/readyz`, child, true)
  return child
}

/** Forks the bare Fastify baseline. */
export async function startBare(port: number): Promise<ChildProcess> {
  const child = fork(new URL('./bare-fastify.mjs', import.meta.url), [String(port)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  await waitForUrl(`http://127.0.0.1:${port}/`, child)
  return child
}

async function waitForUrl(url: string, child: ChildProcess, ok = false): Promise<void> {
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`)
    try {
      const res = await fetch(url)
      await res.arrayBuffer()
      if (!ok || res.status === 200) return
    } catch {
      // not answering yet
    }
    await sleep(200)
  }
  throw new Error(`${url} did not answer in time`)
}

/** Resident set size of a process, in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return kb * 1024
}

/** Stops a child and waits for it. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return
  const done = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await done
  clearTimeout(timer)
}
