import { addRateCounts, purgeRateCounts, readRateCounts, type RateCountTotal, type Store } from '../../store/index.ts'
import type { RateHit, RateLimiter } from './rate-limiter.ts'

/** One key's own requests in a window, and how many of them the store has been told. */
interface OwnCount {
  start: number
  hits: number
  reported: number
}

/**
 * A fixed-window budget (§4.8) counted over every instance that shares the store. `hit` stays
 * synchronous and never queries: it adds this process's requests of the window to the other
 * instances' total as last read by `SharedRateCounts` (once per second). Windows are aligned on the
 * epoch (every `windowMs` since 1970), so all instances count the same window; `resetS` is the time
 * to its end. The approximation: other instances' requests of the last period (and of the query's
 * latency) are not yet seen, so with N instances a budget may be passed by at most what the other
 * N−1 instances admitted in about one second. Bounded like `FixedWindowLimiter`: at most `maxKeys`
 * own keys (the oldest dropped first) and the store's totals as read, at most `maxRows` per read.
 */
export class SharedWindowLimiter implements RateLimiter {
  /** key → this process's requests in the key's current window; Map order is first-hit-of-window order. */
  private readonly own = new Map<string, OwnCount>()
  /** key → the other instances' requests in a window, as last read from the store. */
  private others = new Map<string, { start: number; hits: number }>()

  constructor(
    readonly site: string,
    readonly bucket: string,
    readonly max: number,
    readonly windowMs: number,
    private readonly nowMs: () => number,
    private readonly maxKeys = 20_000,
  ) {}

  hit(key: string): RateHit {
    const now = this.nowMs()
    const start = now - (now % this.windowMs)
    let own = this.own.get(key)
    if (!own || own.start !== start) {
      this.own.delete(key)
      this.own.set(key, (own = { start, hits: 0, reported: 0 }))
      while (this.own.size > this.maxKeys) this.own.delete(this.own.keys().next().value!)
    }
    own.hits++
    const others = this.others.get(key)
    const total = own.hits + (others?.start === start ? others.hits : 0)
    const resetS = Math.max(0, Math.ceil((start + this.windowMs - now) / 1000))
    return { ok: total <= this.max, limit: this.max, remaining: Math.max(0, this.max - total), resetS }
  }

  /** Drops the windows that are over; returns what the store has not been told yet. */
  takeUnreported(nowMs: number): Array<{ key: string; own: OwnCount; delta: number }> {
    const out: Array<{ key: string; own: OwnCount; delta: number }> = []
    for (const [key, own] of this.own) {
      if (own.start + this.windowMs <= nowMs) this.own.delete(key)
      else if (own.hits > own.reported) out.push({ key, own, delta: own.hits - own.reported })
    }
    return out
  }

  /** Takes the totals read from the store (this limiter's rows): the others' share is the total less what this process reported. */
  applyTotals(rows: readonly RateCountTotal[], nowMs: number): void {
    const start = nowMs - (nowMs % this.windowMs)
    const others = new Map<string, { start: number; hits: number }>()
    for (const row of rows) {
      if (row.windowStartMs !== start) continue
      const own = this.own.get(row.subject)
      const hits = row.hits - (own?.start === start ? own.reported : 0)
      if (hits > 0) others.set(row.subject, { start, hits })
    }
    this.others = others
  }
}

/** Periods and bounds of the coordination. */
export interface SharedRateCountsOptions {
  /** How often the counts are reported and the totals read (default 1000 ms). */
  periodMs?: number
  /** Period of the purge of windows that are over (default 60 000 ms). */
  purgeMs?: number
  /** Most totals read per period, over all sites, largest first (default 50 000). */
  maxRows?: number
  nowMs?: () => number
  /** Told when the store cannot be reached; the limiters keep counting this process's requests meanwhile. */
  onError?: (error: unknown) => void
}

const CHUNK = 500

/**
 * The Items API's budgets of one process's sites, counted over every instance sharing the store
 * (items-api.md §4.8 "unless the service is configured with a shared store"; docs/sites.md). One
 * per process, on the base store. Every `periodMs` it adds what each limiter counted since the last
 * time to the store's totals (one statement per 500 keys; none when nothing was counted) and reads
 * the totals of ALL sites' current windows (one query), which each limiter uses until the next period.
 */
export class SharedRateCounts {
  private readonly limiters = new Map<string, SharedWindowLimiter>()
  private readonly nowMs: () => number
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private purgedAt: number

  constructor(
    private readonly store: Store,
    private readonly options: SharedRateCountsOptions = {},
  ) {
    this.nowMs = options.nowMs ?? Date.now
    this.purgedAt = this.nowMs()
  }

  /** The shared budget `bucket` (`ip`, `user`) of `site`, replacing an earlier one of that site and bucket. */
  limiter(site: string, bucket: string, max: number, windowMs: number, maxKeys?: number): SharedWindowLimiter {
    const limiter = new SharedWindowLimiter(site, bucket, max, windowMs, this.nowMs, maxKeys)
    this.limiters.set(`${site}\n${bucket}`, limiter)
    return limiter
  }

  /** Stops counting a limiter (its site closed or removed); what it counted and did not report is dropped. */
  release(limiter: SharedWindowLimiter): void {
    const id = `${limiter.site}\n${limiter.bucket}`
    if (this.limiters.get(id) === limiter) this.limiters.delete(id)
  }

  /** Starts the periodic exchange (the timer does not keep the process alive). */
  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => void this.sync(), this.options.periodMs ?? 1000)
    this.timer.unref()
  }

  /** Stops the exchange and waits for one under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.running
  }

  /** One exchange: report, read, and purge when due. Never rejects; exchanges do not overlap. */
  sync(): Promise<void> {
    this.running ??= this.syncOnce().finally(() => (this.running = undefined))
    return this.running
  }

  private async syncOnce(): Promise<void> {
    try {
      const nowMs = this.nowMs()
      const batch = [...this.limiters.values()].flatMap((limiter) => limiter.takeUnreported(nowMs).map((u) => ({ limiter, ...u })))
      for (let i = 0; i < batch.length; i += CHUNK) {
        const chunk = batch.slice(i, i + CHUNK)
        await addRateCounts(
          this.store,
          chunk.map(({ limiter, key, own, delta }) => ({
            site: limiter.site, bucket: limiter.bucket, subject: key, windowStartMs: own.start, windowEndMs: own.start + limiter.windowMs, hits: delta,
          })),
        )
        for (const { own, delta } of chunk) own.reported += delta
      }
      if (this.limiters.size > 0) {
        const bySite = new Map<string, RateCountTotal[]>()
        for (const row of await readRateCounts(this.store, { nowMs, limit: this.options.maxRows ?? 50_000 })) {
          const id = `${row.site}\n${row.bucket}`
          const rows = bySite.get(id)
          if (rows) rows.push(row)
          else bySite.set(id, [row])
        }
        for (const [id, limiter] of this.limiters) limiter.applyTotals(bySite.get(id) ?? [], nowMs)
      }
      if (nowMs - this.purgedAt >= (this.options.purgeMs ?? 60_000)) {
        this.purgedAt = nowMs
        await purgeRateCounts(this.store, { nowMs })
      }
    } catch (error) {
      this.options.onError?.(error)
    }
  }
}
