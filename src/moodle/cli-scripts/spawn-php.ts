import { spawn } from 'node:child_process'
import { chown, mkdir, stat } from 'node:fs/promises'
import { dirname, relative } from 'node:path'
import type { Moodle } from '../moodle.ts'

/** How to run a PHP script (a Moodle CLI script or one of the service's helpers). */
export interface ScriptOptions {
  /** PHP CLI (`php_binary`). */
  phpBinary: string
  args: readonly string[]
  /** Stopped (SIGTERM, then SIGKILL after 10 s) when exceeded. */
  timeoutMs: number
  /** Run as this OS user; `owner` = the owner of the dataroot (only possible when running as root). */
  runAs?: { uid: number; gid: number } | 'owner'
  /** Each output line as it arrives (for job logs). */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void
  signal?: AbortSignal
  /** Characters kept per stream (default 1 Mi): the tail, which holds the result lines. */
  outputLimit?: number
}

/** What a script did. Moodle's exit codes do not always reflect failure (moodle.md §0.4): read the output too. */
export interface ScriptResult {
  exitCode: number | null
  /** The signal that ended it, e.g. after a timeout. */
  killedBy: NodeJS.Signals | null
  timedOut: boolean
  /** The last `outputLimit` characters of each stream. */
  stdout: string
  stderr: string
  durationMs: number
}

/** Output kept per stream by default: the tail, which holds the result lines. */
const OUTPUT_LIMIT = 1024 * 1024
const KILL_GRACE_MS = 10_000

/**
 * Runs `<php> <scriptPath> <args>` in the Moodle root, as the site's OS user when asked (Moodle
 * requires files in the dataroot to belong to that user), in its own process group so that a
 * timeout or an abort stops PHP and anything it started. Never uses a shell; the environment is
 * reduced to PATH, LANG and HOME.
 */
export async function spawnPhp(moodle: Moodle, scriptPath: string, options: ScriptOptions): Promise<ScriptResult> {
  const identity = await identityFor(moodle, options.runAs)
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(options.phpBinary, [scriptPath, ...options.args], {
      cwd: moodle.dirroot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: process.env['HOME'] ?? '/' },
      ...identity,
    })
    const limit = options.outputLimit ?? OUTPUT_LIMIT
    const out = { stdout: new Tail(limit), stderr: new Tail(limit) }
    for (const stream of ['stdout', 'stderr'] as const) {
      let partial = ''
      child[stream].setEncoding('utf8')
      child[stream].on('data', (text: string) => {
        out[stream].push(text)
        if (!options.onLine) return
        const lines = (partial + text).split('\n')
        partial = lines.pop() ?? ''
        for (const line of lines) options.onLine(stream, line)
      })
      child[stream].on('end', () => {
        if (partial && options.onLine) options.onLine(stream, partial)
      })
    }
    let timedOut = false
    let killer: NodeJS.Timeout | undefined
    const stop = () => {
      killGroup(child.pid, 'SIGTERM')
      killer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS)
    }
    const timer = setTimeout(() => {
      timedOut = true
      stop()
    }, options.timeoutMs)
    options.signal?.addEventListener('abort', stop, { once: true })
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (exitCode, killedBy) => {
      clearTimeout(timer)
      if (killer) clearTimeout(killer)
      options.signal?.removeEventListener('abort', stop)
      resolve({
        exitCode,
        killedBy,
        timedOut,
        stdout: out.stdout.text(),
        stderr: out.stderr.text(),
        durationMs: performance.now() - started,
      })
    })
  })
}

/** `php_run_as`: whom PHP runs as when a call does not say (moodle.md: Moodle's files belong to the web server's user). */
export type PhpRunAs = 'auto' | 'self' | 'owner' | { uid: number; gid: number }

const RUN_AS_KEY = 'cli/php-run-as'

/** Sets the site's default PHP identity (from `php_run_as`). */
export function setPhpRunAs(moodle: Moodle, runAs: PhpRunAs): void {
  moodle.memo.set(RUN_AS_KEY, runAs)
}

/**
 * Creates `dir` (and missing parents, mode 0750) for PHP to write into, e.g. a backup's staging
 * folder in the dataroot. When PHP runs as another user than the service (the service runs as root
 * and PHP as the dataroot's owner), every folder created here is given to that user: otherwise
 * Moodle's script cannot write into it ("Destination directory does not exists or not writable",
 * seen on a real 4.5.6 site with the service as root and PHP as www-data).
 */
export async function makePhpWritableDir(moodle: Moodle, dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: 0o750 })
  if (first === undefined) return
  const { uid, gid } = await identityFor(moodle, undefined)
  if (uid === undefined || gid === undefined) return
  const created: string[] = []
  for (let at = dir; ; at = dirname(at)) {
    created.push(at)
    if (at === first || relative(first, at).startsWith('..') || dirname(at) === at) break
  }
  for (const path of created.reverse()) await chown(path, uid, gid)
}

async function identityFor(moodle: Moodle, given: ScriptOptions['runAs']): Promise<{ uid?: number; gid?: number }> {
  const configured = (moodle.memo.get(RUN_AS_KEY) as PhpRunAs | undefined) ?? 'auto'
  const runAs = given ?? configured
  if (runAs === 'self') return {}
  if (runAs === 'auto') {
    // As root, PHP runs as the dataroot's owner (files it creates must stay Moodle's); otherwise as us.
    const root = typeof process.getuid === 'function' && process.getuid() === 0
    if (!root || !moodle.dataroot) return {}
    const owner = await stat(moodle.dataroot).catch(() => null)
    return !owner || owner.uid === 0 ? {} : { uid: owner.uid, gid: owner.gid }
  }
  if (runAs !== 'owner') return runAs
  if (!moodle.dataroot) throw new Error('the dataroot is not known, so its owner cannot be found')
  const owner = await stat(moodle.dataroot)
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    if (process.getuid() !== owner.uid) throw new Error(`the service runs as uid ${process.getuid()}, the dataroot belongs to uid ${owner.uid}`)
    return {}
  }
  return { uid: owner.uid, gid: owner.gid }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, signal)
  } catch {
    // already gone
  }
}

/** Keeps the last `limit` characters of a stream. */
class Tail {
  private parts: string[] = []
  private size = 0
  constructor(private readonly limit: number) {}
  push(text: string): void {
    this.parts.push(text)
    this.size += text.length
    while (this.size > this.limit && this.parts.length > 1) this.size -= this.parts.shift()!.length
  }
  text(): string {
    const all = this.parts.join('')
    return all.length > this.limit ? all.slice(all.length - this.limit) : all
  }
}
