import { createRandom, deriveSeed, type Random } from './random.ts'

/** The core code the demo install directory pretends to hold (Moodle 4.5.6). */
export const DEMO_CORE = {
  /** `$version` exactly as written in version.php. */
  versionText: '2024100706.00',
  /** Config `version` as Moodle stores it (no trailing zeros). */
  version: 2024100706,
  release: '4.5.6 (Build: 20250811)',
  branch: '405',
  majorVersion: '4.5',
} as const

export const MINUTE = 60
export const HOUR = 3600
export const DAY = 86400

/** Everything the parts of the generator share. */
export interface DemoContext {
  /** "Now" in Unix seconds; every generated time is an offset from it. */
  now: number
  seed: number
  wwwroot: string
  dirroot: string
  dataroot: string
  /** When the demo site was installed (Unix seconds). */
  installedAt: number
  /** A generator of its own for one part of the site, so parts do not shift each other's output. */
  random(part: string): Random
}

export function createDemoContext(options: {
  now: Date; seed: number; wwwroot: string; dirroot: string; dataroot: string
}): DemoContext {
  const now = Math.floor(options.now.getTime() / 1000)
  return {
    now,
    seed: options.seed,
    wwwroot: options.wwwroot.replace(/\/+$/, ''),
    dirroot: options.dirroot,
    dataroot: options.dataroot,
    installedAt: now - 420 * DAY + 3 * HOUR,
    random: (part) => createRandom(deriveSeed(options.seed, part)),
  }
}
