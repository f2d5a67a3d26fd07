import { burstCacheOf, forgetBurstCaches } from '../shared/burst-cache.ts'
import type { Moodle } from './moodle.ts'

/**
 * Reads `load()` at most once per `intervalMs` (default: the site's `read_reuse_ms`) for all
 * callers, and once at a time: concurrent callers share the read in flight. Under load this turns
 * "a few queries per request" into "a few queries per quarter second"; while a refresh runs, the
 * previous value (up to four intervals old) is served, so no caller waits for it.
 */
export function recheck<T>(moodle: Moodle, key: string, load: () => Promise<T>, intervalMs = moodle.reuseMs): Promise<T> {
  return burstCacheOf<T>(moodle, `recheck/${key}`, intervalMs, 1).get(key, load)
}

/** Forgets every rechecked value of a site, so the next reads go to the database. */
export function forgetRechecked(moodle: Moodle): void {
  forgetBurstCaches(moodle, 'recheck/')
}
