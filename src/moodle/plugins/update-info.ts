/** One available version as stored by Moodle's update checker (moodle.md §3.5). */
export interface AvailableUpdate {
  component: string
  /** The version with the update server's own digits, e.g. `2024100707.00`. */
  version: string
  release: string | null
  maturity: number
  url: string | null
  download: string | null
  downloadmd5: string | null
}

/** The stored update-checker data, validated as Moodle validates it (moodle.md §3.1–3.2). */
export interface StoredUpdates {
  /** `recentfetch` as stored, or null when nothing usable was ever fetched. */
  lastFetch: string | null
  byComponent: Map<string, AvailableUpdate[]>
}

const MATURITIES = new Set([50, 100, 150, 200])
const MAX_URL = 255

/**
 * Parses `core_plugin/recentresponse`. It counts only with status OK, API 1.3, the site's branch
 * and a `recentfetch`; entries without a version or with a maturity MooPanel rejects are dropped.
 * Version numbers keep their digits: they are turned into strings before JSON parsing, because
 * JSON.parse would turn `2024100707.00` into `2024100707`.
 */
export function parseStoredUpdates(recentFetch: string | undefined, recentResponse: string | undefined, siteRelease: string): StoredUpdates {
  const none: StoredUpdates = { lastFetch: null, byComponent: new Map() }
  if (!recentFetch || !recentResponse) return none
  let data: unknown
  try {
    data = JSON.parse(quoteVersionNumbers(recentResponse))
  } catch {
    return none
  }
  if (!isObject(data) || data['status'] !== 'OK' || data['apiver'] !== '1.3') return none
  if (data['forbranch'] !== majorVersionOf(siteRelease)) return none
  const byComponent = new Map<string, AvailableUpdate[]>()
  const updates = isObject(data['updates']) ? data['updates'] : {}
  for (const [component, entries] of Object.entries(updates)) {
    if (!Array.isArray(entries)) continue
    const list = entries.map((e) => toUpdate(component, e)).filter((u): u is AvailableUpdate => u !== null)
    byComponent.set(component, list)
  }
  return { lastFetch: recentFetch, byComponent }
}

/** `4.5` from `4.5.6 (Build: 20250811)`. */
export function majorVersionOf(release: string): string {
  return /^(\d+\.\d+)/.exec(release.trim())?.[1] ?? ''
}

/** Compares two decimal version strings numerically (digits, optional fraction). */
export function compareVersions(a: string, b: string): number {
  const [ai = '0', af = ''] = a.trim().split('.')
  const [bi = '0', bf = ''] = b.trim().split('.')
  const ia = BigInt(/^\d+$/.test(ai) ? ai : '0')
  const ib = BigInt(/^\d+$/.test(bi) ? bi : '0')
  if (ia !== ib) return ia < ib ? -1 : 1
  const width = Math.max(af.length, bf.length)
  const fa = af.padEnd(width, '0')
  const fb = bf.padEnd(width, '0')
  return fa < fb ? -1 : fa > fb ? 1 : 0
}

function toUpdate(component: string, entry: unknown): AvailableUpdate | null {
  if (!isObject(entry)) return null
  const version = entry['version']
  if (typeof version !== 'string' || !/^\d+(\.\d+)?$/.test(version)) return null
  const maturity = Number(entry['maturity'])
  if (!MATURITIES.has(maturity)) return null
  return {
    component,
    version,
    release: typeof entry['release'] === 'string' ? entry['release'] : null,
    maturity,
    url: shortString(entry['url']),
    download: shortString(entry['download']),
    downloadmd5: typeof entry['downloadmd5'] === 'string' ? entry['downloadmd5'] : null,
  }
}

function shortString(value: unknown): string | null {
  return typeof value === 'string' && [...value].length <= MAX_URL ? value : null
}

/** `"version": 2024100707.00` → `"version": "2024100707.00"` (a quote cannot occur unescaped inside a JSON string). */
function quoteVersionNumbers(json: string): string {
  return json.replace(/("version"\s*:\s*)(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g, '$1"$2"')
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
