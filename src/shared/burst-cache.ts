/**
 * Reuses the answer to an identical read for a short time (default 250 ms) and lets concurrent
 * identical requests share one database read. Bounded: the least recently used entries go first.
 * Moodle changes therefore show within 250 ms, while a burst of equal requests (a panel polling
 * many endpoints, a load test) costs one query instead of one per request. Between 250 ms and 1 s
 * the previous answer is still served while a fresh one is read in the background, so a busy
 * endpoint never makes callers wait for the refresh; after 1 s callers wait for fresh data.
 */
export class BurstCache<T> {
  private readonly entries = new Map<string, { at: number; value?: T; pending?: Promise<T> }>()

  constructor(
    private readonly ttlMs = 250,
    private readonly maxEntries = 256,
    private readonly maxStaleMs = Math.max(ttlMs * 4, 0),
    private readonly nowMs: () => number = Date.now,
  ) {}

  async get(key: string, produce: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key)
    const age = hit && hit.value !== undefined ? this.nowMs() - hit.at : Infinity
    if (age < this.ttlMs) return hit!.value!
    if (age < this.maxStaleMs && this.ttlMs > 0) {
      this.refresh(key, produce).catch(() => undefined) // a failure reaches the next caller that waits
      return hit!.value!
    }
    return this.refresh(key, produce)
  }

  private refresh(key: string, produce: () => Promise<T>): Promise<T> {
    const previous = this.entries.get(key)
    if (previous?.pending) return previous.pending
    const entry: { at: number; value?: T; pending?: Promise<T> } = previous ?? { at: 0 }
    // A value's age counts from when its read started: a change made while it ran may be missing.
    const startedAt = this.nowMs()
    entry.pending = produce().then(
      (value) => {
        entry.value = value
        entry.at = startedAt
        entry.pending = undefined
        return value
      },
      (error: unknown) => {
        this.entries.delete(key)
        throw error
      },
    )
    this.entries.delete(key)
    this.entries.set(key, entry)
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value
      if (oldest === undefined) break
      this.entries.delete(oldest)
    }
    return entry.pending
  }
}

const perSite = new WeakMap<object, Map<string, BurstCache<unknown>>>()

/** The burst cache `name` of one site (caches never mix answers of two services in one process). */
export function burstCacheOf<T>(site: object, name: string, ttlMs: number, maxEntries = 256): BurstCache<T> {
  let caches = perSite.get(site)
  if (!caches) perSite.set(site, (caches = new Map()))
  let cache = caches.get(name)
  if (!cache) caches.set(name, (cache = new BurstCache<unknown>(ttlMs, maxEntries)))
  return cache as BurstCache<T>
}

/** Forgets every burst cache of one site whose name starts with `prefix` (after the site itself changed). */
export function forgetBurstCaches(site: object, prefix = ''): void {
  const caches = perSite.get(site)
  if (!caches) return
  for (const name of [...caches.keys()]) if (name.startsWith(prefix)) caches.delete(name)
}
