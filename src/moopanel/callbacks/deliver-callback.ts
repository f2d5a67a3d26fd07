import type { Readable } from 'node:stream'
import { Agent, request } from 'undici'
import { parseRetryAfterMs } from './callback-schedule.ts'

/** What an attempt means for the callback (moopanel-api.md §6.1). */
export type CallbackOutcome = 'accepted' | 'retry' | 'rejected'

/** One callback request as it goes out; the body is the same on every attempt. */
export interface CallbackAttempt {
  url: string
  body: string
  contentType: 'application/json' | 'application/xml'
  apiKey: string
  /** This attempt's own id (§7.2), sent as `X-Request-Id`. */
  requestId: string
  /** `moodle-bridge/<version>`. */
  userAgent: string
  /** Spec: 10 s. */
  connectTimeoutMs?: number
  /** Limit of the whole exchange, response body included. Spec: 30 s. */
  totalTimeoutMs?: number
  /** Cancels the attempt (shutdown); the outcome is then `retry`. */
  signal?: AbortSignal
}

/** The facts of one attempt, for the job, the audit log and the metrics. */
export interface CallbackAttemptResult {
  outcome: CallbackOutcome
  /** HTTP status, or null when no answer arrived. */
  status: number | null
  /** The panel's Retry-After on 429 or 503, in ms, capped at 1 h; else null. */
  retryAfterMs: number | null
  /** Network error or timeout, without URL or key; null when a status arrived. */
  error: string | null
  durationMs: number
  /** The first bytes of the answer (UTF-8, at most RESPONSE_SNIPPET_BYTES) for the logs; null without answer. */
  responseBody: string | null
}

/** How much of MooPanel's answer is kept (its answers are short JSON messages). */
export const RESPONSE_SNIPPET_BYTES = 4096

/**
 * Sends one callback attempt per §6.1: POST, redirects not followed, the five headers, connect and
 * total time limits. 2xx → accepted; 408, 429, 5xx, network error, timeout or cancellation → retry;
 * anything else (3xx included) → rejected. Never throws.
 */
export async function deliverCallbackAttempt(attempt: CallbackAttempt): Promise<CallbackAttemptResult> {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  const totalTimeoutMs = attempt.totalTimeoutMs ?? 30_000
  const deadline = AbortSignal.timeout(totalTimeoutMs)
  const signal = attempt.signal ? AbortSignal.any([deadline, attempt.signal]) : deadline
  // One agent per attempt: no pooled socket that the panel may have closed, and per-attempt limits.
  const agent = new Agent({
    connect: { timeout: attempt.connectTimeoutMs ?? 10_000 },
    headersTimeout: totalTimeoutMs,
    bodyTimeout: totalTimeoutMs,
  })
  try {
    // undici's request() follows no redirects unless a redirect interceptor is installed.
    const response = await request(attempt.url, {
      dispatcher: agent,
      method: 'POST',
      signal,
      headers: {
        'X-API-KEY': attempt.apiKey,
        'Content-Type': attempt.contentType,
        Accept: 'application/json',
        'User-Agent': attempt.userAgent,
        'X-Request-Id': attempt.requestId,
      },
      body: attempt.body,
    })
    const status = response.statusCode
    const responseBody = await readSnippet(response.body)
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfterMs(response.headers['retry-after'], Date.now()) : null
    return { outcome: outcomeOf(status), status, retryAfterMs, error: null, durationMs: elapsed(), responseBody }
  } catch (error) {
    return { outcome: 'retry', status: null, retryAfterMs: null, error: describe(error, deadline, attempt.signal), durationMs: elapsed(), responseBody: null }
  } finally {
    await agent.destroy().catch(() => {})
  }
}

/** The §6.1 classification of an HTTP status. */
export function outcomeOf(status: number): CallbackOutcome {
  if (status >= 200 && status <= 299) return 'accepted'
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) return 'retry'
  return 'rejected'
}

/**
 * Reads at most RESPONSE_SNIPPET_BYTES and drops the rest. A body that stalls is cut by the attempt's
 * signal (undici aborts the body stream too); what arrived until then is kept.
 */
async function readSnippet(body: Readable): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  body.on('error', () => {}) // an abort or reset while reading is expected; the status already decided
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer)
      size += (chunk as Buffer).length
      if (size >= RESPONSE_SNIPPET_BYTES) break
    }
  } catch {
    // keep what arrived
  } finally {
    body.destroy()
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_SNIPPET_BYTES).toString('utf8')
}

/** A short reason without URL or key: timeout, cancellation or the socket error code. */
function describe(error: unknown, deadline: AbortSignal, external: AbortSignal | undefined): string {
  if (deadline.aborted) return 'timeout'
  if (external?.aborted) return 'cancelled'
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect timeout'
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timeout'
  if (code === 'ECONNREFUSED') return 'connection refused'
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return 'connection closed'
  if (typeof code === 'string') return `network error ${code}`
  return `network error ${error instanceof Error ? error.name : 'unknown'}`
}
