import { stat } from 'node:fs/promises'
import type { Moodle } from '../moodle.ts'
import { readDisplayNames } from './plugin-names.ts'
import { scanPlugins, type DiskScan } from './scan-plugins.ts'

/** The disk side of the plugin inventory: enumeration plus display names in one language. */
export interface DiskCatalog {
  scan: DiskScan
  names: Map<string, string>
  lang: string
  /** Every file and folder read (version.php files, type folders, JSON lists, language files). */
  watched: string[]
  /** Their modification times and sizes; a change means a rescan. */
  fingerprint: string
}

interface Memo {
  catalog?: DiskCatalog
  checkedAt: number
  pending?: Promise<DiskCatalog>
}

const MEMO_KEY = 'plugins/disk-catalog'
/** How long a verified catalog is trusted before file times are checked again. */
const REVALIDATE_MS = 1000

/**
 * The plugin folders of the Moodle root, memoised. The modification times of every file and
 * folder read are checked again at most once a second (one check at a time); any change triggers
 * a full rescan.
 */
export async function getDiskCatalog(moodle: Moodle, lang: string): Promise<DiskCatalog> {
  let memo = moodle.memo.get(MEMO_KEY) as Memo | undefined
  if (!memo) moodle.memo.set(MEMO_KEY, (memo = { checkedAt: 0 }))
  const current = memo.catalog?.lang === lang ? memo.catalog : undefined
  if (current && Date.now() - memo.checkedAt < REVALIDATE_MS) return current
  const m = memo
  m.pending ??= revalidate(moodle, lang, current)
    .then((catalog) => {
      m.catalog = catalog
      m.checkedAt = Date.now()
      return catalog
    })
    .finally(() => (m.pending = undefined))
  return m.pending
}

/** Forgets the memoised catalog (after the service changed code). */
export function invalidateDiskCatalog(moodle: Moodle): void {
  moodle.memo.delete(MEMO_KEY)
}

async function revalidate(moodle: Moodle, lang: string, current: DiskCatalog | undefined): Promise<DiskCatalog> {
  if (current && (await fingerprintOf(current.watched)) === current.fingerprint) return current
  const scan = await scanPlugins(moodle.dirroot, moodle.admin)
  const { names, files } = await readDisplayNames(moodle.dirroot, moodle.dataroot, lang, scan.plugins)
  const watched = [...scan.watched, ...files]
  return { scan, names, lang, watched, fingerprint: await fingerprintOf(watched) }
}

async function fingerprintOf(paths: readonly string[]): Promise<string> {
  const parts = await Promise.all(paths.map((p) => stat(p).then((s) => `${s.mtimeMs}:${s.size}`, () => 'missing')))
  return parts.join('|')
}
