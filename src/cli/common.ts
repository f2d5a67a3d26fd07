import { loadConfig, ConfigError, type Config, type OptionName } from '../config/index.ts'
import { MoodleSetupError, type MoodleOverrides } from '../moodle/index.ts'
import { ListenError } from '../shared/listen-error.ts'
import { describeListenError } from './listen-failure.ts'

/** Flags shared by commands that read the configuration. */
export interface CommonFlags {
  config?: string
  moodleDir?: string
  host?: string
  port?: string
  stateUrl?: string
  /** `--sites FILE`: the sites file (option `sites`), for the commands that act on one site of it. */
  sites?: string
}

/** Loads the configuration from `--config`, the environment and the flags. */
export function configFrom(flags: CommonFlags): Promise<Config> {
  const fromFlags: Partial<Record<OptionName, unknown>> = {
    moodle_dir: flags.moodleDir,
    host: flags.host,
    port: flags.port,
    state_url: flags.stateUrl,
    sites: flags.sites,
  }
  return loadConfig({ file: flags.config, env: process.env, flags: fromFlags })
}

/** The Moodle overrides of a configuration (db_*, wwwroot, dataroot): what it sets over config.php. */
export function moodleOverridesOf(config: Config): MoodleOverrides {
  return {
    dbtype: config.db_type, dbhost: config.db_host, dbport: config.db_port, dbsocket: config.db_socket, dbname: config.db_name,
    dbuser: config.db_user, dbpass: config.db_pass, prefix: config.db_prefix, dbschema: config.db_schema,
    wwwroot: config.wwwroot, dataroot: config.dataroot,
  }
}

/** A wrong use of a command (missing flag, bad value): reported in one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** Prints an expected start-up failure in one readable line (no stack) and exits non-zero. */
export function fail(error: unknown): never {
  const expected =
    error instanceof ConfigError || error instanceof MoodleSetupError || error instanceof UsageError || error instanceof ListenError ||
    ['PhpSubsetError', 'SitesFileError'].includes((error as { name?: string }).name ?? '')
  const message = error instanceof ListenError ? describeListenError(error) : error instanceof Error ? error.message : String(error)
  process.stderr.write(`moodle-bridge: ${expected ? message : `unexpected error: ${message}`}\n`)
  process.exit(expected ? 2 : 1)
}

/**
 * Starts the listeners; when one cannot bind, first closes what start-up opened (the other
 * listener, workers, pools: `close`, given at most `closeTimeoutMs`), then rethrows for `fail()`.
 */
export async function listenOrClose<T>(listen: () => Promise<T>, close: () => Promise<void>, closeTimeoutMs = 15_000): Promise<T> {
  try {
    return await listen()
  } catch (error) {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((res) => (timer = setTimeout(res, closeTimeoutMs)))
    await Promise.race([close().catch(() => undefined), timeout])
    clearTimeout(timer)
    throw error
  }
}

/** Stops the service cleanly on SIGINT / SIGTERM. */
export function onShutdown(close: () => Promise<void>): void {
  let closing = false
  const stop = () => {
    if (closing) return
    closing = true
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
