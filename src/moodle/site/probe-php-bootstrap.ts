import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnPhp } from '../cli-scripts/spawn-php.ts'
import { lastJsonObject } from '../cli-scripts/run-php-helper.ts'
import type { Moodle } from '../moodle.ts'

/**
 * The probe `doctor --php` runs: it boots Moodle as a CLI script from the site's own config.php
 * and, whatever happens (a fatal error and Moodle's own `exit(1)` included), prints one JSON line
 * from a shutdown function. It is written to a temporary file outside the Moodle tree.
 */
const PROBE_PHP = `<?php
// moodle-bridge doctor --php: does Moodle boot with this PHP, as this user? (moodle_bridge_probe)
define('CLI_SCRIPT', true);
$moodlebridgebooted = false;
register_shutdown_function(function () use (&$moodlebridgebooted) {
    global $CFG;
    $error = error_get_last();
    $fatal = $error !== null && in_array($error['type'], [E_ERROR, E_PARSE, E_CORE_ERROR, E_COMPILE_ERROR, E_USER_ERROR], true);
    $dataroot = isset($CFG) && is_object($CFG) && isset($CFG->dataroot) && is_string($CFG->dataroot) ? $CFG->dataroot : null;
    echo "\\n", json_encode([
        'moodle_bridge_probe' => 1,
        'booted' => $moodlebridgebooted,
        'error' => $fatal ? $error['message'] : null,
        'version' => isset($CFG->version) ? (string) $CFG->version : null,
        'release' => isset($CFG->release) ? (string) $CFG->release : null,
        'php_version' => PHP_VERSION,
        'extensions' => array_values(array_map('strtolower', get_loaded_extensions())),
        'dataroot' => $dataroot,
        'dataroot_writable' => $dataroot !== null && is_dir($dataroot) && is_writable($dataroot),
        'uid' => function_exists('posix_geteuid') ? posix_geteuid() : null,
    ]), "\\n";
});
require($argv[1]);
$moodlebridgebooted = true;
`

/** How long the probe may take: a boot takes a fraction of a second, a hung database connection longer. */
export const PHP_PROBE_TIMEOUT_MS = 30_000
/** Output kept per stream: the report line and the first lines of any error. */
const PROBE_OUTPUT_LIMIT = 64 * 1024

/** What the probe saw. `booted` false with `problem` set: Moodle (or PHP) stopped before the end of setup. */
export interface PhpBootstrapReport {
  booted: boolean
  /** The first line of what stopped Moodle: Moodle's `!!! … !!!` message, a PHP fatal error, or the first output line. */
  problem: string | null
  /** `$CFG->version` and `$CFG->release` (from the database, so only after a boot). */
  version: string | null
  release: string | null
  /** Null when PHP did not get as far as the probe (it did not start, or gave no report). */
  phpVersion: string | null
  /** Loaded extensions, lower case. */
  extensions: string[]
  dataroot: string | null
  datarootWritable: boolean
  /** The user PHP ran as (`posix_geteuid()`), null when PHP has no posix extension. */
  uid: number | null
  timedOut: boolean
  exitCode: number | null
}

/** Options of `probePhpBootstrap`. */
export interface PhpProbeOptions {
  phpBinary: string
  timeoutMs?: number
}

/**
 * Runs PHP as the site's CLI scripts run (spawnPhp: the identity set by `setPhpRunAs`, Moodle root as working
 * directory, no shell, reduced environment) against the site's own config.php and reports whether
 * Moodle boots, PHP's version and extensions, and whether the dataroot is writable by that user.
 * Throws only when PHP cannot be started at all (ENOENT, EACCES) or the identity cannot be taken.
 */
export async function probePhpBootstrap(moodle: Moodle, options: PhpProbeOptions): Promise<PhpBootstrapReport> {
  const dir = await mkdtemp(join(tmpdir(), 'moodle-bridge-probe-'))
  try {
    // The probe may run as another user (the dataroot's owner): it must be able to read the file.
    await chmod(dir, 0o755)
    const script = join(dir, 'probe.php')
    await writeFile(script, PROBE_PHP, { mode: 0o644 })
    const result = await spawnPhp(moodle, script, {
      phpBinary: options.phpBinary,
      args: [join(moodle.root, 'config.php')],
      timeoutMs: options.timeoutMs ?? PHP_PROBE_TIMEOUT_MS,
      outputLimit: PROBE_OUTPUT_LIMIT,
    })
    const report = probeLine(result.stdout)
    const booted = report?.['booted'] === true && !result.timedOut
    return {
      booted,
      problem: booted ? null : problemOf(result.stdout, result.stderr, typeof report?.['error'] === 'string' ? report['error'] : null),
      version: stringOrNull(report?.['version']),
      release: stringOrNull(report?.['release']),
      phpVersion: stringOrNull(report?.['php_version']),
      extensions: Array.isArray(report?.['extensions']) ? report['extensions'].map((e) => String(e).toLowerCase()) : [],
      dataroot: stringOrNull(report?.['dataroot']),
      datarootWritable: report?.['dataroot_writable'] === true,
      uid: typeof report?.['uid'] === 'number' ? report['uid'] : null,
      timedOut: result.timedOut,
      exitCode: result.exitCode,
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The probe's report: the last stdout line that is a JSON object with `moodle_bridge_probe`. */
function probeLine(stdout: string): Record<string, unknown> | null {
  return lastJsonObject(stdout, (value) => 'moodle_bridge_probe' in value)
}

/**
 * One line saying what stopped the boot: Moodle's CLI error (`!!! message !!!`), its early
 * `Fatal error: … Exiting.` lines, the PHP fatal error from the report, or the first line of output.
 */
function problemOf(stdout: string, stderr: string, fatal: string | null): string {
  const bang = /!!!\s*(.*?)\s*!!!/.exec(stdout)?.[1]
  if (bang) return clip(bang)
  const early = /^Fatal error: (.*Exiting\.)\s*$/m.exec(stdout)?.[1]
  if (early) return clip(early)
  if (fatal) return clip(fatal.split('\n')[0]!)
  const first = [...stdout.split('\n'), ...stderr.split('\n')].map((l) => l.trim()).find((l) => l.length > 0 && !l.startsWith('{"moodle_bridge_probe"'))
  return first ? clip(first) : ''
}

function clip(line: string): string {
  return line.length > 300 ? `${line.slice(0, 300)}…` : line
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}
