/** What a budget check answers (§4.8): allowed or not, and the `X-RateLimit-*` values. */
export interface RateHit {
  ok: boolean
  limit: number
  remaining: number
  resetS: number
}

/** A request budget per key (address or user id): `FixedWindowLimiter` in one process, `SharedWindowLimiter` across instances. */
export interface RateLimiter {
  readonly max: number
  /** Counts one request for `key`; synchronous, never a query. */
  hit(key: string): RateHit
}

/**
 * Fixed-window counters kept in the process (§4.8). Bounded under address spraying: expired windows
 * are swept once per window, and beyond `maxKeys` (default 20 000, about 2 MB) the oldest are dropped.
 */
export class FixedWindowLimiter implements RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>()
  private sweepAt = 0

  constructor(
    readonly max: number,
    private readonly windowMs: number,
    private readonly nowMs: () => number = Date.now,
    private readonly maxKeys = 20_000,
  ) {}

  /** Counts one request for `key`; returns whether it is allowed and the header values. */
  hit(key: string): RateHit {
    const now = this.nowMs()
    if (now >= this.sweepAt) this.sweep(now)
    let w = this.windows.get(key)
    if (!w || now - w.start >= this.windowMs) {
      this.windows.set(key, (w = { start: now, count: 0 }))
      while (this.windows.size > this.maxKeys) this.windows.delete(this.windows.keys().next().value!)
    }
    w.count++
    const resetS = Math.max(0, Math.ceil((w.start + this.windowMs - now) / 1000))
    return { ok: w.count <= this.max, limit: this.max, remaining: Math.max(0, this.max - w.count), resetS }
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k)
    this.sweepAt = now + this.windowMs
  }
}
