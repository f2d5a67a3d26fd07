import type { Moodle } from './moodle.ts'

interface Entry<T> {
  value?: T
  checkedAt: number
  pending?: Promise<T>
}

/** How long a value read from Moodle's database is reused before it is read again. */
export const RECHECK_MS = 250

/**
 * Reads `load()` at most once per `intervalMs` for all callers, and once at a time: concurrent
 * callers share the read in flight. Under load this turns "a few queries per request" into "a few
 * queries per quarter second", while a change in Moodle is still seen within `intervalMs`.
 */
export async function recheck<T>(moodle: Moodle, key: string, load: () => Promise<T>, intervalMs = RECHECK_MS): Promise<T> {
  const memoKey = `recheck/${key}`
  let entry = moodle.memo.get(memoKey) as Entry<T> | undefined
  if (!entry) moodle.memo.set(memoKey, (entry = { checkedAt: 0 }))
  const now = Date.now()
  if (entry.value !== undefined && now - entry.checkedAt < intervalMs) return entry.value
  if (entry.pending) return entry.pending
  const e = entry
  e.pending = load().then(
    (value) => {
      e.value = value
      e.checkedAt = Date.now()
      e.pending = undefined
      return value
    },
    (error: unknown) => {
      e.pending = undefined
      throw error
    },
  )
  return e.pending
}

/** Forgets every rechecked value (after the service itself changed Moodle). */
export function forgetRechecked(moodle: Moodle): void {
  for (const key of [...moodle.memo.keys()]) if (key.startsWith('recheck/')) moodle.memo.delete(key)
}
