/** Backoff settings of a job definition. */
export interface Backoff {
  /** Delay before the second attempt. */
  baseMs: number
  /** Upper bound of any delay. */
  maxMs: number
}

/** The default backoff: 1 s, 2 s, 4 s … capped at 15 minutes. */
export const DEFAULT_BACKOFF: Backoff = { baseMs: 1_000, maxMs: 15 * 60_000 }

/**
 * The wait before attempt `failedAttempt + 1`: exponential (`baseMs · 2^(n-1)`, capped at `maxMs`)
 * with ±20 % jitter so that jobs failing together do not retry in lock-step.
 */
export function retryDelayMs(failedAttempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const exponential = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, failedAttempt - 1))
  return Math.max(0, Math.round(exponential * (0.8 + 0.4 * random())))
}
