import { clearAuthFailures, countAuthFailure, lockAuthAddress, type Store } from '../store/index.ts'

/** The rule of moopanel-api.md §3.4 and how much memory may hold. */
export interface LockoutOptions {
  threshold: number
  windowS: number
  durationS: number
  maxTracked?: number
}

/**
 * The store-backed mode: failures are counted in the store, across every instance using it, as
 * well as in memory (docs/sites.md "Lock-out and rate limits across instances").
 */
export interface LockoutSharing {
  /** A view of the shared store scoped to this lock-out's site. */
  store: Store
  /** Told when the store cannot be reached; the lock-out keeps counting in memory meanwhile. */
  onError?: (error: unknown) => void
}

const SETTLED: Promise<void> = Promise.resolve()

/**
 * Wrong-key lock-out per source address (moopanel-api.md §3.4), kept in process memory; the check
 * (`retryAfter`) never queries anything.
 *
 * Bounded under an address-spraying attack: at most `threshold` failure times per address, entries
 * whose failures have all left the window or whose lock-out has passed are swept from
 * the front of each map (Map order is least-recently-failed / earliest-locked order), and at most
 * `maxTracked` addresses (default 10 000, about 1 MB) are tracked per map, the oldest dropped first.
 * An attacker with more addresses than that gains nothing a lock-out per address would have held.
 *
 * With `sharing` (several instances on one store), each failure is also counted in the store by one
 * atomic statement; the failure that brings the count of all instances to the threshold starts the
 * lock-out here at once and records it in the store, where the other instances' `SharedLockouts`
 * poller finds it (`learn`) within its period. A success clears the address's failures in the store
 * too, when this process has seen the address fail or has not cleared it for a window's length.
 */
export class Lockout {
  /** address → times (ms) of its failures within the window, oldest first; re-inserted on each failure. */
  private readonly failures = new Map<string, number[]>()
  /** address → end of its lock-out (ms); all lock-outs last as long, so insertion order is (nearly) expiry order. */
  private readonly lockedUntil = new Map<string, number>()
  /** Store-backed mode: address → when its failures were last cleared in the store (ms), oldest first. */
  private readonly clearedAt = new Map<string, number>()

  constructor(
    private readonly options: LockoutOptions,
    private readonly nowMs: () => number = Date.now,
    private readonly sharing?: LockoutSharing,
  ) {}

  /** Whole seconds until the address is unlocked (at least 1), or 0 when it is not locked. */
  retryAfter(address: string): number {
    const until = this.lockedUntil.get(address)
    if (until === undefined) return 0
    const left = until - this.nowMs()
    if (left <= 0) {
      this.lockedUntil.delete(address)
      return 0
    }
    return Math.max(1, Math.ceil(left / 1000))
  }

  /**
   * Records a wrong key; the failure that reaches the threshold starts the lock-out. The count in
   * memory is done when this returns; the promise (which never rejects) settles once the store has
   * counted it too (store-backed mode), so a caller that awaits it has the shared lock-out in force.
   */
  recordFailure(address: string): Promise<void> {
    const now = this.nowMs()
    const windowStart = now - this.options.windowS * 1000
    const list = (this.failures.get(address) ?? []).filter((t) => t > windowStart)
    list.push(now)
    this.failures.delete(address) // re-insert: Map order doubles as least-recently-failed order
    const lockedHere = list.length >= this.options.threshold
    if (lockedHere) this.lock(address, now + this.options.durationS * 1000)
    else this.failures.set(address, list)
    this.sweep(now, windowStart)
    if (!this.sharing) return SETTLED
    return lockedHere ? this.shareLock(address, now) : this.shareFailure(address, now)
  }

  /** A successful authentication clears the address's failures (in the store too, store-backed). */
  recordSuccess(address: string): Promise<void> {
    const hadFailures = this.failures.delete(address)
    if (!this.sharing) return SETTLED
    const now = this.nowMs()
    const last = this.clearedAt.get(address)
    if (!hadFailures && last !== undefined && now - last < this.options.windowS * 1000) return SETTLED
    this.clearedAt.delete(address)
    this.clearedAt.set(address, now)
    for (const [a] of this.clearedAt) {
      if (this.clearedAt.size <= (this.options.maxTracked ?? 10_000)) break
      this.clearedAt.delete(a)
    }
    return clearAuthFailures(this.sharing.store, address, { nowMs: now }).catch((error) => this.sharing?.onError?.(error))
  }

  /** A lock-out found in the store (another instance's): in force here until `untilMs` too. */
  learn(address: string, untilMs: number): void {
    if ((this.lockedUntil.get(address) ?? 0) >= untilMs || untilMs <= this.nowMs()) return
    this.lock(address, untilMs)
    this.failures.delete(address)
    this.sweep(this.nowMs(), this.nowMs() - this.options.windowS * 1000)
  }

  /** Addresses currently tracked (failures, lock-outs), for tests and diagnostics. */
  get tracked(): { failures: number; locked: number } {
    return { failures: this.failures.size, locked: this.lockedUntil.size }
  }

  /** Locks until `untilMs`, or keeps the later end already known. */
  private lock(address: string, untilMs: number): void {
    if ((this.lockedUntil.get(address) ?? 0) >= untilMs) return
    this.lockedUntil.delete(address)
    this.lockedUntil.set(address, untilMs)
  }

  /** Counts the failure in the store; the one that brings all instances' count to the threshold locks. */
  private async shareFailure(address: string, now: number): Promise<void> {
    const sharing = this.sharing!
    try {
      const count = await countAuthFailure(sharing.store, address, { nowMs: now, windowMs: this.options.windowS * 1000 })
      if (count < this.options.threshold) return
      this.lock(address, now + this.options.durationS * 1000)
      this.failures.delete(address)
      await lockAuthAddress(sharing.store, address, { nowMs: now, untilMs: now + this.options.durationS * 1000 })
    } catch (error) {
      sharing.onError?.(error)
    }
  }

  /** Records a lock-out started here in the store, for the other instances. */
  private async shareLock(address: string, now: number): Promise<void> {
    try {
      await lockAuthAddress(this.sharing!.store, address, { nowMs: now, untilMs: now + this.options.durationS * 1000 })
    } catch (error) {
      this.sharing!.onError?.(error)
    }
  }

  /** Drops what has expired from the front of each map, then the oldest beyond `maxTracked`. */
  private sweep(now: number, windowStart: number): void {
    const max = this.options.maxTracked ?? 10_000
    for (const [address, list] of this.failures) {
      if (list[list.length - 1]! > windowStart && this.failures.size <= max) break
      this.failures.delete(address)
    }
    for (const [address, until] of this.lockedUntil) {
      if (until > now && this.lockedUntil.size <= max) break
      this.lockedUntil.delete(address)
    }
  }
}
