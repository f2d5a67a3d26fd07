/** Where the service stands in its warm-up, as `/readyz` reports it. */
export interface WarmStart {
  /** Null once warmed up; else why the service is not ready yet (`warming up`, or the last failure). */
  notReadyReason(): string | null
  /** Settles when the first warm-up succeeded (never rejects; stays pending while it keeps failing). */
  done: Promise<void>
  stop(): void
}

interface WarmLog {
  info(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

/**
 * Runs `warm` in the background until it succeeds once: a failure (a broken site, a database that
 * does not answer yet) is logged and reported as the reason, and retried after `retryMs` (doubling
 * up to `maxRetryMs`); it never crashes the process.
 */
export function startWarmUp(warm: () => Promise<void>, options: { log: WarmLog; retryMs?: number; maxRetryMs?: number }): WarmStart {
  let reason: string | null = 'warming up'
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let markDone!: () => void
  const done = new Promise<void>((resolve) => (markDone = resolve))
  let delay = options.retryMs ?? 1000
  const attempt = async () => {
    const started = performance.now()
    try {
      await warm()
      if (stopped) return
      reason = null
      options.log.info({ ms: Math.round(performance.now() - started) }, 'warm-up done')
      markDone()
    } catch (error) {
      if (stopped) return
      const message = error instanceof Error ? error.message : String(error)
      reason = `warm-up failed: ${message.slice(0, 300)}`
      options.log.error({ err: error, retryInMs: delay }, 'warm-up failed; retrying')
      timer = setTimeout(() => void attempt(), delay)
      timer.unref()
      delay = Math.min(delay * 2, options.maxRetryMs ?? 30_000)
    }
  }
  void attempt()
  return {
    notReadyReason: () => reason,
    done,
    stop: () => {
      stopped = true
      clearTimeout(timer)
    },
  }
}
