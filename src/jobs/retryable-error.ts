/**
 * Thrown by a job's `run` for a transient failure (network error, timeout, 5xx): the job goes to
 * `retry_wait` and runs again after `delayMs` (or the definition's backoff) while attempts remain.
 * Any other error, or this one on the last attempt, fails the job with the error's message.
 */
export class RetryableError extends Error {
  override readonly name = 'RetryableError'
  constructor(
    message: string,
    readonly delayMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}
