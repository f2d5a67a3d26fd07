import { purgeAuthFailures, readLockoutsOfAllSites, type Store } from '../store/index.ts'
import { Lockout, type LockoutOptions } from './lockout.ts'

/** How often the poller reads the store and purges it. */
export interface SharedLockoutsOptions {
  /** Period of the one query that reads every site's lock-outs in force (default 1000 ms). */
  pollMs?: number
  /** Period of the purge of expired rows, done by the poller (default 60 000 ms). */
  purgeMs?: number
  /** Most lock-outs read per poll, over all sites (default 10 000), latest ending first. */
  maxRows?: number
  nowMs?: () => number
  /** Told when the store cannot be reached (a poll or a write failed); the lock-outs keep working in memory. */
  onError?: (error: unknown) => void
}

/**
 * The lock-outs of one process's sites, shared with every other instance using the same store
 * (moopanel-api.md §3.4 "deployments with several processes SHOULD share it"; docs/sites.md). One per
 * process, on the base store: `lockoutFor(site)` makes each site's store-backed `Lockout`, and one
 * query per `pollMs` reads the lock-outs in force of ALL sites and hands each to its site's
 * Lockout, so an address locked through another instance is refused here within a poll period.
 * Expired rows are purged every `purgeMs`. Nothing is read per request.
 */
export class SharedLockouts {
  private readonly lockouts = new Map<string, Lockout>()
  private readonly nowMs: () => number
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private purgedAt: number

  constructor(
    private readonly store: Store,
    private readonly options: SharedLockoutsOptions = {},
  ) {
    this.nowMs = options.nowMs ?? Date.now
    this.purgedAt = this.nowMs()
  }

  /** The store-backed lock-out of `site` (replacing an earlier one of that site), fed by the poller. */
  lockoutFor(site: string, options: LockoutOptions): Lockout {
    const lockout = new Lockout(options, this.nowMs, { store: this.store.forSite(site), onError: this.options.onError })
    this.lockouts.set(site, lockout)
    return lockout
  }

  /** Stops feeding the site's lock-out (a site closed or removed); only `lockout` when given. */
  release(site: string, lockout?: Lockout): void {
    if (lockout === undefined || this.lockouts.get(site) === lockout) this.lockouts.delete(site)
  }

  /** Starts polling (the timer does not keep the process alive). */
  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => void this.poll(), this.options.pollMs ?? 1000)
    this.timer.unref()
  }

  /** Stops polling and waits for a poll under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.running
  }

  /** One poll: reads every site's lock-outs in force and feeds them; purges when due. Never rejects; polls do not overlap. */
  poll(): Promise<void> {
    this.running ??= this.pollOnce().finally(() => (this.running = undefined))
    return this.running
  }

  private async pollOnce(): Promise<void> {
    try {
      const nowMs = this.nowMs()
      if (this.lockouts.size > 0) {
        for (const row of await readLockoutsOfAllSites(this.store, { nowMs, limit: this.options.maxRows ?? 10_000 })) {
          this.lockouts.get(row.site)?.learn(row.address, row.untilMs)
        }
      }
      if (nowMs - this.purgedAt >= (this.options.purgeMs ?? 60_000)) {
        this.purgedAt = nowMs
        await purgeAuthFailures(this.store, { nowMs })
      }
    } catch (error) {
      this.options.onError?.(error)
    }
  }
}
