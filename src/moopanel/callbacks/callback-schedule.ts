/**
 * When callback attempts happen (moopanel-api.md §6.1): back-off between attempts, Retry-After,
 * abandonment after `callback_max_age_s`, and pacing below `callback_rate_per_minute`. Pure: time
 * and randomness come from the caller.
 */

/** Delay before the second attempt. */
export const CALLBACK_FIRST_DELAY_MS = 10_000
/** Longest wait between two attempts, and the cap on Retry-After. */
export const CALLBACK_MAX_DELAY_MS = 3_600_000

/**
 * The wait after `attempt` failed attempts (1 = the first failed): 10 s doubling per attempt, ±20 %
 * jitter, never more than 1 h; at least `retryAfterMs` (itself capped at 1 h) when the panel sent one.
 */
export function nextCallbackDelayMs(attempt: number, options: { retryAfterMs?: number | null; random?: () => number } = {}): number {
  const random = options.random ?? Math.random
  const exponent = Math.min(Math.max(0, Math.floor(attempt) - 1), 30) // 2^30 · 10 s is far beyond the cap
  const base = Math.min(CALLBACK_MAX_DELAY_MS, CALLBACK_FIRST_DELAY_MS * 2 ** exponent)
  const jittered = Math.min(CALLBACK_MAX_DELAY_MS, Math.round(base * (0.8 + 0.4 * random())))
  const floor = Math.min(CALLBACK_MAX_DELAY_MS, Math.max(0, options.retryAfterMs ?? 0))
  return Math.max(jittered, floor)
}

/** True once `maxAgeS` seconds have passed since the first attempt: no further attempt is made. */
export function isAbandoned(firstAttemptAtMs: number, nowMs: number, maxAgeS: number): boolean {
  return nowMs - firstAttemptAtMs >= maxAgeS * 1000
}

/**
 * A `Retry-After` value in ms (delta seconds or an HTTP date relative to `nowMs`), capped at 1 h;
 * null when absent or unreadable. A date in the past gives 0.
 */
export function parseRetryAfterMs(value: string | string[] | undefined, nowMs: number): number | null {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim()
  if (!raw) return null
  if (/^\d+$/.test(raw)) return Math.min(CALLBACK_MAX_DELAY_MS, Number(raw) * 1000)
  // HTTP dates start with the weekday (RFC 9110 §5.6.7); the guard keeps Date.parse from reading "1.5".
  if (!/^[A-Za-z]{3,9},? /.test(raw)) return null
  const at = Date.parse(raw)
  if (Number.isNaN(at)) return null
  return Math.min(CALLBACK_MAX_DELAY_MS, Math.max(0, at - nowMs))
}

/**
 * Keeps callback requests at or below `ratePerMinute` in every sliding 60-second window, which also
 * keeps MooPanel's fixed-window limit (60 per minute per IP) satisfied. Call `waitMs()` before a send
 * and `recordSend()` when the request goes out. Holds at most `ratePerMinute` timestamps.
 */
export class CallbackPacer {
  private readonly sentAt: number[] = []

  constructor(
    private readonly ratePerMinute: number,
    private readonly nowMs: () => number = Date.now,
  ) {
    if (!Number.isInteger(ratePerMinute) || ratePerMinute < 1) throw new RangeError(`rate must be a positive integer: ${ratePerMinute}`)
  }

  /** How long to wait before the next request may go out; 0 when it may go now. */
  waitMs(): number {
    const now = this.nowMs()
    this.forgetBefore(now - 60_000)
    if (this.sentAt.length < this.ratePerMinute) return 0
    return Math.max(0, this.sentAt[0]! + 60_000 - now)
  }

  /** Counts one request as sent now. */
  recordSend(): void {
    const now = this.nowMs()
    this.forgetBefore(now - 60_000)
    this.sentAt.push(now)
    if (this.sentAt.length > this.ratePerMinute) this.sentAt.shift()
  }

  private forgetBefore(limit: number): void {
    while (this.sentAt.length > 0 && this.sentAt[0]! <= limit) this.sentAt.shift()
  }
}
