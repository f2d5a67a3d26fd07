/** Wrong-key lock-out per source address (moopanel-api.md §3.4), kept in process memory. */
export class Lockout {
  private readonly failures = new Map<string, number[]>()
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
    this.failures.set(address, list)
    if (list.length >= this.options.threshold) {
      this.lockedUntil.set(address, now + this.options.durationS * 1000)
      this.failures.delete(address)
    }
    this.evict()
  }

  /** A successful authentication clears the address's failures. */
  recordSuccess(address: string): void {
    this.failures.delete(address)
  }

  /** Bounds memory under an address-spraying attack by dropping the oldest tracked addresses. */
  private evict(): void {
    const max = this.options.maxTracked ?? 100_000
    for (const map of [this.failures, this.lockedUntil]) {
      while (map.size > max) {
        const oldest = map.keys().next().value
        if (oldest === undefined) break
        map.delete(oldest)
      }
    }
  }
}
