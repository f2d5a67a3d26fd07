import type { PluginInventory } from './plugin-inventory.ts'
import { compareVersions, type AvailableUpdate } from './update-info.ts'

export type CoreUpdateType = 'core-mega' | 'core-major' | 'core-minor'

/** An available core version with its MooPanel update type. */
export interface CoreUpdate extends AvailableUpdate {
  type: CoreUpdateType
}

/**
 * Stored core versions newer than the installed one (moopanel-api.md §4.11): builds of the current
 * release only when `updatenotifybuilds` is on; entries whose type cannot be determined dropped.
 */
export function availableCoreUpdates(inventory: PluginInventory): CoreUpdate[] {
  const { version, release, notifyBuilds } = inventory.core
  const out: CoreUpdate[] = []
  for (const entry of inventory.updates.byComponent.get('core') ?? []) {
    if (compareVersions(entry.version, version) <= 0) continue
    if (!notifyBuilds && entry.release !== null && isSameRelease(entry.release, release)) continue
    const type = coreUpdateType(release, entry.release)
    if (type) out.push({ ...entry, type })
  }
  return out
}

/** Majors differ → mega; minors differ → major; else minor. Null when undeterminable. */
export function coreUpdateType(currentRelease: string, targetRelease: string | null): CoreUpdateType | null {
  if (targetRelease === null) return null
  const current = majorMinor(currentRelease)
  const target = majorMinor(targetRelease)
  if (!current || !target || target[0] === 0) return null
  if (current[0] !== target[0]) return 'core-mega'
  if (current[1] !== target[1]) return 'core-major'
  return 'core-minor'
}

function majorMinor(release: string): [number, number] | null {
  const m = /^\s*(\d+)(?:\.(\d+))?/.exec(release)
  return m ? [Number(m[1]), Number(m[2] ?? 0)] : null
}

/** Moodle's "same release" test: leading digits/dots (`+` removed) and the text up to `(`. */
function isSameRelease(a: string, b: string): boolean {
  const key = (r: string) => {
    const s = r.replace(/\+/g, '')
    const m = /^([\d.]*)([^(]*)/.exec(s)
    return `${m?.[1] ?? ''}|${(m?.[2] ?? '').trimEnd()}`
  }
  return key(a) === key(b)
}
