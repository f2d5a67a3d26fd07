/**
 * Wrong-key lock-out per source address (moopanel-api.md §3.4), kept in process memory.
 *
 * Bounded under an address-spraying attack: at most `threshold` failure times per address, entries
 * whose failures have all left the window or whose lock-out has passed are swept from
 * the front of each map (Map order is least-recently-failed / earliest-locked order), and at most
 * `maxTracked` addresses (default 10 000, about 1 MB) are tracked per map, the oldest dropped first.
 * An attacker with more addresses than that gains nothing a lock-out per address would have held.
 */
export class Lockout {
  /** address → times (ms) of its failures within the window, oldest first; re-inserted on each failure. */
  private readonly failures = new Map<string, number[]>()
  /** address → end of its lock-out (ms); all lock-outs last as long, so insertion order is expiry order. */
  private readonly lockedUntil = new Map<string, number>()

  constructor(
    private readonly options: { threshold: number; windowS: number; durationS: number; maxTracked?: number },
    private readonly nowMs: () => number = Date.now,
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

  /** Records a wrong key; the failure that reaches the threshold starts the lock-out. */
  recordFailure(address: string): void {
    const now = this.nowMs()
    const windowStart = now - this.options.windowS * 1000
    const list = (this.failures.get(address) ?? []).filter((t) => t > windowStart)
    list.push(now)
    this.failures.delete(address) // re-insert: Map order doubles as least-recently-failed order
    if (list.length >= this.options.threshold) {
      this.lockedUntil.delete(address)
      this.lockedUntil.set(address, now + this.options.durationS * 1000)
    } else {
      this.failures.set(address, list)
    }
    this.sweep(now, windowStart)
  }

  /** A successful authentication clears the address's failures. */
  recordSuccess(address: string): void {
    this.failures.delete(address)
  }

  /** Addresses currently tracked (failures, lock-outs), for tests and diagnostics. */
  get tracked(): { failures: number; locked: number } {
    return { failures: this.failures.size, locked: this.lockedUntil.size }
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
