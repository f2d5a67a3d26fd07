import { listUnfinishedPayloads } from '../jobs/index.ts'
import { compareVersions, type AvailableUpdate } from '../moodle/index.ts'
import { BurstCache } from '../shared/burst-cache.ts'
import type { Store } from '../store/index.ts'
import { CORE_UPDATE_JOB, PLUGINS_UPDATE_JOB } from './jobs/job-names.ts'

/** `component → versions` targeted by installs whose callback is not settled yet (moopanel-api.md §4.0). */
export type PendingTargets = Map<string, string[]>

/**
 * The pending-target rule (§4.0): versions that a `plugins_update` or `core_update` job of this
 * service installs stay listed in `update_available` until the job's callback is settled, because
 * MooPanel deletes update rows that are no longer listed and the callback refers to them. One
 * indexed query; an empty map (the usual case) lets the callers keep their cached answers.
 */
export function readPendingTargets(store: Store, reuseMs: number): Promise<PendingTargets> {
  let cache = caches.get(store)
  const ttl = Math.max(reuseMs, MIN_REUSE_MS)
  if (!cache) caches.set(store, (cache = new BurstCache<PendingTargets>(ttl, 1, ttl)))
  return cache.get('pending', () => queryPendingTargets(store))
}

/** Forgets the reused answer (after this process enqueued an install or settled a job). */
export function forgetPendingTargets(store: Store): void {
  caches.delete(store)
}

/**
 * The targets as one short string (sorted `component:version` list, `''` when none): the routes
 * key their saved replies by it, so a pending install costs no rebuild per request.
 */
export function pendingSignature(targets: PendingTargets, component?: string): string {
  if (targets.size === 0) return ''
  const cacheKey = component ?? ''
  let saved = signatures.get(targets)
  if (!saved) signatures.set(targets, (saved = new Map()))
  let signature = saved.get(cacheKey)
  if (signature === undefined) {
    const pairs: string[] = []
    for (const [c, versions] of targets) if (component === undefined || c === component) for (const v of versions) pairs.push(`${c}:${v}`)
    signature = pairs.sort().join(',')
    saved.set(cacheKey, signature)
  }
  return signature
}

const signatures = new WeakMap<PendingTargets, Map<string, string>>()

/**
 * Reused for `read_reuse_ms` (at least MIN_REUSE_MS, so a burst shares one query even with
 * `read_reuse_ms=0`) without stale serving: a job installs its target only after a download, and
 * this process forgets the answer when it enqueues one and when a callback settles a job.
 */
const caches = new WeakMap<Store, BurstCache<PendingTargets>>()
const MIN_REUSE_MS = 50

async function queryPendingTargets(store: Store): Promise<PendingTargets> {
  const jobs = await listUnfinishedPayloads(store, [PLUGINS_UPDATE_JOB, CORE_UPDATE_JOB])
  const targets: PendingTargets = new Map()
  const add = (component: unknown, version: unknown) => {
    if (typeof component !== 'string' || typeof version !== 'string') return
    targets.set(component, [...(targets.get(component) ?? []), version])
  }
  for (const job of jobs) {
    // A malformed payload targets nothing (and a null item ends its list).
    if (job.payload === null || typeof job.payload !== 'object') continue
    const payload = job.payload as Record<string, unknown>
    if (job.type === CORE_UPDATE_JOB) add('core', payload['version'])
    else if (Array.isArray(payload['updates'])) {
      for (const u of payload['updates'] as unknown[]) {
        if (u === null || u === undefined) break
        const item = u as Record<string, unknown>
        add(item['component'], item['version'])
      }
    }
  }
  return targets
}

/** `listed` plus the stored entries of `component` that a pending job targets, in stored order. */
export function withPendingTargets<T extends AvailableUpdate>(
  listed: readonly T[],
  stored: readonly AvailableUpdate[],
  component: string,
  targets: PendingTargets,
  extend: (entry: AvailableUpdate) => T | null,
): T[] {
  const versions = targets.get(component)
  if (!versions) return [...listed]
  const out: T[] = []
  for (const entry of stored) {
    const already = listed.find((l) => l.version === entry.version)
    if (already) out.push(already)
    else if (versions.some((v) => compareVersions(v, entry.version) === 0)) {
      const extended = extend(entry)
      if (extended) out.push(extended)
    }
  }
  return out
}
