import { watch, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import type { Config } from '../config/index.ts'
import { diffSites, type SitesChange } from './diff-sites.ts'
import { parseSitesFile, SitesFileError, type SitesPlan } from './sites-file.ts'

export interface SitesWatchOptions {
  readonly path: string
  readonly base: Config
  /** A new valid plan that differs from the one in force; it is in force once this resolves. */
  readonly onPlan: (plan: SitesPlan, change: SitesChange) => Promise<void> | void
  /** A new file that cannot be used: the reason; the plan in force stays. */
  readonly onRefused: (reason: string) => void
  /** Quiet time after the last file event before the file is read (editors write in several steps). */
  readonly settleMs?: number
  /** Also reload on this signal (default SIGHUP; null: none). */
  readonly signal?: NodeJS.Signals | null
}

export interface SitesWatch {
  current(): SitesPlan
  /** Reads the file again now; resolves when the outcome was reported (true: a new plan is in force). */
  reload(): Promise<boolean>
  stop(): void
}

/** Reads the sites file; throws SitesFileError when it cannot be read or used (start-up refuses). */
export async function readSitesFile(path: string, base: Config): Promise<{ plan: SitesPlan; text: string }> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new SitesFileError(`cannot read sites file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`)
  }
  return { plan: parseSitesFile(text, path, base), text }
}

/**
 * Loads the sites file and follows it: on SIGHUP and when the file changes (the folder is watched,
 * so an editor's rename-into-place counts), it is read again; a valid new file becomes the plan in
 * force, an invalid one is refused with its reason and the old plan stays. Reloads never overlap.
 */
export async function watchSitesFile(options: SitesWatchOptions): Promise<SitesWatch> {
  const first = await readSitesFile(options.path, options.base)
  let plan = first.plan
  let lastText = first.text
  let chain: Promise<boolean> = Promise.resolve(false)
  let timer: NodeJS.Timeout | undefined
  let stopped = false

  const reloadOnce = async (): Promise<boolean> => {
    if (stopped) return false
    let next: { plan: SitesPlan; text: string }
    try {
      next = await readSitesFile(options.path, options.base)
    } catch (error) {
      if (!(error instanceof SitesFileError)) throw error
      options.onRefused(error.message)
      return false
    }
    if (next.text === lastText) return false
    const change = diffSites(plan, next.plan)
    lastText = next.text
    if (change.added.length === 0 && change.removed.length === 0 && change.changed.length === 0) {
      plan = next.plan
      return false
    }
    await options.onPlan(next.plan, change)
    plan = next.plan
    return true
  }
  const reload = () => (chain = chain.then(reloadOnce, reloadOnce))

  const name = basename(options.path)
  let watcher: FSWatcher | undefined
  try {
    watcher = watch(dirname(options.path), { persistent: false }, (_event, file) => {
      if (file !== null && file !== name) return
      clearTimeout(timer)
      timer = setTimeout(() => void reload().catch((error: Error) => options.onRefused(error.message)), options.settleMs ?? 200)
    })
    watcher.on('error', () => undefined) // the folder went away: SIGHUP still works
  } catch {
    watcher = undefined // a file system without change events: SIGHUP only
  }
  const signal = options.signal === undefined ? 'SIGHUP' : options.signal
  const onSignal = () => void reload().catch((error: Error) => options.onRefused(error.message))
  if (signal) process.on(signal, onSignal)

  return {
    current: () => plan,
    reload,
    stop() {
      stopped = true
      clearTimeout(timer)
      watcher?.close()
      if (signal) process.off(signal, onSignal)
    },
  }
}
