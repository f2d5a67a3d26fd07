import type { Moodle } from './moodle.ts'

interface Entry<T> {
  value?: T
  checkedAt: number
  pending?: Promise<T>
}

/**
 * Reads `load()` at most once per `intervalMs` for all callers, and once at a time: concurrent
 * callers share the read in flight. Under load this turns "a few queries per request" into "a few
 * queries per quarter second". While a refresh runs, a value younger than four intervals is served
 * (stale-while-revalidate), so a change in Moodle shows within about `intervalMs` plus one read.
 */
export async function recheck<T>(moodle: Moodle, key: string, load: () => Promise<T>, intervalMs = moodle.reuseMs): Promise<T> {
  const memoKey = `recheck/${key}`
  let entry = moodle.memo.get(memoKey) as Entry<T> | undefined
  if (!entry) moodle.memo.set(memoKey, (entry = { checkedAt: 0 }))
  const now = Date.now()
  if (entry.value !== undefined && now - entry.checkedAt < intervalMs) return entry.value
  if (entry.pending) {
    // A refresh is under way: callers with a recent enough value keep it meanwhile.
    if (entry.value !== undefined && now - entry.checkedAt < intervalMs * MAX_STALE_FACTOR) return entry.value
    return entry.pending
  }
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
  if (e.value !== undefined && now - e.checkedAt < intervalMs * MAX_STALE_FACTOR) {
    e.pending.catch(() => undefined)
    return e.value
  }
  return e.pending
}

/** A value up to 4 intervals old is served while its refresh runs (1 s at the default 250 ms). */
const MAX_STALE_FACTOR = 4

/** Forgets every rechecked value (after the service itself changed Moodle). */
export function forgetRechecked(moodle: Moodle): void {
  for (const key of [...moodle.memo.keys()]) if (key.startsWith('recheck/')) moodle.memo.delete(key)
}
