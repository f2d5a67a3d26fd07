/**
 * The real Moodle site of `npm run test:real` (docs/real-moodle-tests.md): its settings from the
 * environment, PHP run the way the service runs it (the site's PHP CLI, as the dataroot's owner when
 * the suite runs as root), Moodle's own CLI scripts and the suite's PHP tool (site-tool.php).
 */
import { spawn } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'

/** What the environment says about the site. */
export interface RealEnv {
  /** MB_REAL_MOODLE_DIR: the Moodle installation root (holds config.php). */
  moodleDir: string
  /** MB_REAL_PHP: the site's PHP CLI (default `php`). */
  php: string
  /** MB_REAL_PHP_RUN_AS: `auto` (default), `self`, `owner` or `uid:gid`, as the service's `php_run_as`. */
  phpRunAs: string
  /** MB_REAL_STAGING_DIR: the service's staging/rollback area (default: a fresh folder beside the Moodle root). */
  stagingDir: string | undefined
}

export function realEnv(): RealEnv {
  const moodleDir = process.env['MB_REAL_MOODLE_DIR']
  if (!moodleDir) throw new Error('MB_REAL_MOODLE_DIR is not set (npm run test:real skips then)')
  const phpRunAs = process.env['MB_REAL_PHP_RUN_AS'] || 'auto'
  if (!/^(auto|self|owner|\d+:\d+)$/.test(phpRunAs)) throw new Error('MB_REAL_PHP_RUN_AS must be auto, self, owner or uid:gid')
  return {
    moodleDir: resolve(moodleDir),
    php: process.env['MB_REAL_PHP'] || 'php',
    phpRunAs,
    stagingDir: process.env['MB_REAL_STAGING_DIR'] || undefined,
  }
}

/** What one PHP run printed. `result`: the last stdout line parsed as JSON, when it is JSON. */
export interface PhpRun {
  code: number | null
  stdout: string
  stderr: string
  result: any
}

const TOOL = resolve(import.meta.dirname, 'site-tool.php')

/** Runs PHP scripts on the site as the service would: in `dirroot`, as the resolved OS user. */
export class SitePhp {
  private constructor(
    private readonly env: RealEnv,
    readonly dirroot: string,
    private readonly identity: { uid: number; gid: number } | null,
  ) {}

  static async open(env: RealEnv, dirroot: string, dataroot: string): Promise<SitePhp> {
    const ids = /^(\d+):(\d+)$/.exec(env.phpRunAs)
    let identity: { uid: number; gid: number } | null = null
    if (ids) identity = { uid: Number(ids[1]), gid: Number(ids[2]) }
    else if (env.phpRunAs === 'owner' || (env.phpRunAs === 'auto' && process.getuid?.() === 0)) {
      const owner = await stat(dataroot)
      identity = { uid: owner.uid, gid: owner.gid }
    }
    return new SitePhp(env, dirroot, identity)
  }

  /** `php <script> <args>`; `script` relative to the Moodle code directory unless absolute. */
  run(script: string, args: string[], timeoutMs = 300_000): Promise<PhpRun> {
    const path = script.startsWith('/') ? script : join(this.dirroot, script)
    return new Promise((done, fail) => {
      const child = spawn(this.env.php, [path, ...args], {
        cwd: this.dirroot,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: process.env['HOME'] ?? '/' },
        ...(this.identity ?? {}),
      })
      const out: Buffer[] = []
      const err: Buffer[] = []
      child.stdout.on('data', (b: Buffer) => out.push(b))
      child.stderr.on('data', (b: Buffer) => err.push(b))
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      child.on('error', (e) => {
        clearTimeout(timer)
        fail(e)
      })
      child.on('close', (code) => {
        clearTimeout(timer)
        const stdout = Buffer.concat(out).toString('utf8')
        const last = stdout.trimEnd().split('\n').pop() ?? ''
        let result: unknown
        try {
          result = JSON.parse(last)
        } catch {
          result = undefined
        }
        done({ code, stdout, stderr: Buffer.concat(err).toString('utf8'), result })
      })
    })
  }

  /** One action of site-tool.php; throws unless it answered `{"ok":true}`. */
  async tool(action: string, options: Record<string, string | number> = {}): Promise<any> {
    const args = [`--moodle_dir=${this.dirroot}`, `--action=${action}`, ...Object.entries(options).map(([k, v]) => `--${k}=${v}`)]
    const run = await this.run(TOOL, args)
    if (run.code !== 0 || run.result?.ok !== true) {
      throw new Error(`site-tool ${action} failed (exit ${run.code}): ${run.stdout.slice(-2000)} ${run.stderr.slice(-2000)}`)
    }
    return run.result
  }

  /** Moodle's `admin/cli/upgrade.php --is-pending`: exit 2 when an upgrade is pending, 0 when not. */
  async upgradePending(): Promise<boolean> {
    const run = await this.run('admin/cli/upgrade.php', ['--is-pending'])
    if (run.code !== 0 && run.code !== 2) throw new Error(`upgrade.php --is-pending failed (exit ${run.code}): ${run.stdout} ${run.stderr}`)
    return run.code === 2
  }

  /** Moodle's `admin/cli/upgrade.php --non-interactive` (what Moodle's admin page does after code changes). */
  async upgrade(): Promise<void> {
    const run = await this.run('admin/cli/upgrade.php', ['--non-interactive'], 1_800_000)
    if (run.code !== 0) throw new Error(`upgrade.php failed (exit ${run.code}): ${run.stdout.slice(-2000)} ${run.stderr.slice(-2000)}`)
  }

  /** Moodle's admin/cli/cfg.php: sets (string) or, with null, unsets a setting; `component` null = core (cfg.php would store `core` as a plugin name). */
  async setConfig(component: string | null, name: string, value: string | null): Promise<void> {
    const args = [...(component ? [`--component=${component}`] : []), `--name=${name}`, value === null ? '--unset' : `--set=${value}`]
    const run = await this.run('admin/cli/cfg.php', args)
    if (run.code !== 0) throw new Error(`cfg.php ${component ?? 'core'}/${name} failed (exit ${run.code}): ${run.stdout} ${run.stderr}`)
  }
}
