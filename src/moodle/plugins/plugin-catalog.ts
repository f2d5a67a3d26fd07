import { stat } from 'node:fs/promises'
import type { Moodle } from '../moodle.ts'
import { readDisplayNames } from './plugin-names.ts'
import { scanPlugins, type DiskScan } from './scan-plugins.ts'

/** The disk side of the plugin inventory: enumeration plus display names in one language. */
export interface DiskCatalog {
  scan: DiskScan
  names: Map<string, string>
  lang: string
  /** Modification times of every file and folder read; a change means a rescan. */
  fingerprint: string
}

interface Memo {
  catalog: DiskCatalog
  watched: string[]
  checkedAt: number
  pending?: Promise<DiskCatalog>
}

const MEMO_KEY = 'plugins/disk-catalog'
/** How long a verified catalog is trusted before file times are checked again. */
const REVALIDATE_MS = 1000

/**
 * The plugin folders of the Moodle root, memoised. File modification times (every version.php,
 * every type folder, components.json, plugins.json, subplugins.json, language files) are checked
 * again at most once a second; any change triggers a full rescan.
 */
export async function getDiskCatalog(moodle: Moodle, lang: string): Promise<DiskCatalog> {
  const memo = moodle.memo.get(MEMO_KEY) as Memo | undefined
  if (memo?.pending) return memo.pending
  if (memo && memo.catalog.lang === lang && Date.now() - memo.checkedAt < REVALIDATE_MS) return memo.catalog
  const pending = (async () => {
    if (memo && memo.catalog.lang === lang && (await fingerprintOf(memo.watched)) === memo.catalog.fingerprint) {
      return memo.catalog
    }
    return buildCatalog(moodle, lang)
  })()
  const next: Memo = memo ? { ...memo, pending } : { catalog: undefined as never, watched: [], checkedAt: 0, pending }
  moodle.memo.set(MEMO_KEY, next)
  try {
    const catalog = await pending
    moodle.memo.set(MEMO_KEY, { catalog, watched: watchedOf(catalog), checkedAt: Date.now() })
    return catalog
  } catch (error) {
    moodle.memo.delete(MEMO_KEY)
    throw error
  }
}

/** Forgets the memoised catalog (after the service changed code). */
export function invalidateDiskCatalog(moodle: Moodle): void {
  moodle.memo.delete(MEMO_KEY)
}

const watchedFiles = new WeakMap<DiskCatalog, string[]>()

function watchedOf(catalog: DiskCatalog): string[] {
  return watchedFiles.get(catalog) ?? catalog.scan.watched
}

async function buildCatalog(moodle: Moodle, lang: string): Promise<DiskCatalog> {
  const scan = await scanPlugins(moodle.dirroot, moodle.admin)
  const { names, files } = await readDisplayNames(moodle.dirroot, moodle.dataroot, lang, scan.plugins)
  const watched = [...scan.watched, ...files]
  const catalog: DiskCatalog = { scan, names, lang, fingerprint: await fingerprintOf(watched) }
  watchedFiles.set(catalog, watched)
  return catalog
}

async function fingerprintOf(paths: readonly string[]): Promise<string> {
  const parts = await Promise.all(
    paths.map((p) => stat(p).then((s) => `${s.mtimeMs}:${s.size}`, () => 'missing')),
  )
  return parts.join('|')
}
