/** Running `bin/moodle-bridge doctor` as an operator does, and reading its table (test/doctor*.test.ts). */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { chmod, cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { testEnv } from './test-env.ts'

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'moodle-bridge')
/** The stand-in for the PHP CLI that runs doctor's probe (test/support/doctor-php/php). */
export const STAND_IN_PHP = resolve(import.meta.dirname, 'doctor-php', 'php')
/** Debian's `nobody`. */
export const NOBODY = { uid: 65534, gid: 65534 }
export const asRoot = typeof process.getuid === 'function' && process.getuid() === 0

export interface DoctorRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `bin/moodle-bridge doctor …` to completion (as another OS user when `as` is given). */
export function doctor(args: string[], env: Record<string, string> = {}, as?: { uid: number; gid: number }): Promise<DoctorRun> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, 'doctor', ...args], {
      env: { ...process.env, MOODLE_BRIDGE_LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(as ?? {}),
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => res({ code, stdout, stderr }))
  })
}

/** The table line of a check and the text of the `fix:` line under it (empty when there is none). */
export function lineOf(stdout: string, check: string): { line: string; fix: string } {
  const lines = stdout.split('\n')
  const at = lines.findIndex((l) => l.slice(6).startsWith(`${check} `) || l.slice(6) === check)
  assert.ok(at >= 0, `no line for ${check} in:\n${stdout}`)
  const next = lines[at + 1] ?? ''
  return { line: lines[at]!, fix: next.startsWith('      fix: ') ? next.slice('      fix: '.length) : '' }
}

export function assertNoStack(run: DoctorRun): void {
  assert.ok(!/\n\s+at /.test(run.stdout + run.stderr), `no stack trace:\n${run.stdout}${run.stderr}`)
  assert.ok(!/Stack trace/.test(run.stdout), 'no PHP stack trace either')
}

/** A copy of a test install dir (readable by everyone) with a dataroot of its own and config.php edited. */
export async function siteCopy(from: string, name: string, edit: (config: string) => string = (c) => c): Promise<{ dir: string; dataroot: string }> {
  const base = await mkdtemp(join(testEnv().tmpDir, `doctor-${name}-`))
  await chmod(base, 0o755)
  const dir = join(base, 'moodle')
  const dataroot = join(base, 'moodledata')
  await cp(from, dir, { recursive: true })
  await mkdir(dataroot, { recursive: true })
  await chmod(dataroot, 0o777)
  const config = (await readFile(join(dir, 'config.php'), 'utf8')).replace(/^\$CFG->dataroot\s*=.*$/m, `$CFG->dataroot  = '${dataroot}';`)
  await writeFile(join(dir, 'config.php'), edit(config))
  return { dir, dataroot }
}

/** The stand-in PHP as another PHP "installation": another version, other extensions (a wrapper naming its php.json). */
export async function otherPhp(version: string, extensions: string[]): Promise<string> {
  const dir = await mkdtemp(join(testEnv().tmpDir, 'doctor-php-'))
  await chmod(dir, 0o755)
  await writeFile(join(dir, 'php.json'), JSON.stringify({ version, extensions }), { mode: 0o644 })
  await writeFile(join(dir, 'php'), `#!/bin/sh\nMB_STAND_IN_PHP_JSON='${join(dir, 'php.json')}' exec '${STAND_IN_PHP}' "$@"\n`, { mode: 0o755 })
  return join(dir, 'php')
}
