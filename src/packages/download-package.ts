import { createHash } from 'node:crypto'
import { open, unlink } from 'node:fs/promises'
import { type ClientRequest, type IncomingMessage, request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Socket } from 'node:net'
import { Transform, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { packageWire } from '../shared/error-catalogue.ts'
import { AppError } from '../shared/errors.ts'
import { checkDownloadUrl, type DownloadUrlPolicy, urlNotAllowed } from './url-policy.ts'

// Why node:http and not undici: undici 7's HTTP/1 client asserts `!this.paused` when the socket
// ends while its parser is paused by back-pressure (a slow disk behind the body stream, and a server
// that closes the connection after the body, e.g. HTTP/1.0 `python3 -m http.server`). That
// AssertionError is thrown from a socket 'end' handler, cannot be caught and ends the process
// (undici issue 5360). The fix exists only in undici 8, which needs Node >= 22.19, and we support
// Node 20.19. Node's own HTTP client ends a paused body cleanly, so package downloads use it.

export type DownloadOptions = DownloadUrlPolicy & {
  /** Size limit of the body; a larger Content-Length or body → `download_too_large`. */
  maxBytes: number
  /** Limit for the whole download, redirects included (spec: 30 min). */
  timeoutMs: number
  /** Connect timeout (spec: 10 s). */
  connectTimeoutMs?: number
  /**
   * Longest wait for headers or for the next body chunk (spec: 60 s). Time in which we do not read
   * because the target is slow (back-pressure) does not count: only the peer's silence does.
   */
  idleTimeoutMs?: number
  /** Redirects followed at most (spec: 5); each target is checked against the policy. */
  maxRedirects?: number
  /** Hex MD5 the file must have (case-insensitive) → else `download_checksum_mismatch`. */
  expectedMd5?: string
  /** Where to write the body; must not exist yet. Removed again on any failure. */
  targetFile: string
  /**
   * Opens the target for writing; it must refuse an existing file with EEXIST. Default: the file
   * itself, created exclusively with mode 0644. Tests use it to put a slow disk behind the download.
   */
  openTarget?: (path: string) => Promise<Writable>
  /** Cancels the download (e.g. job shutdown). */
  signal?: AbortSignal
}

export type DownloadResult = { sizeBytes: number; md5: string }

export const DOWNLOAD_FAILED_MESSAGE = packageWire('MB_DOWNLOAD_FAILED').message.replace(/: <detail>\.$/, '')
export const DOWNLOAD_TOO_LARGE_MESSAGE = packageWire('MB_DOWNLOAD_TOO_LARGE').message
export const DOWNLOAD_CHECKSUM_MESSAGE = packageWire('MB_DOWNLOAD_CHECKSUM_MISMATCH').message

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/** Marks a time limit of ours (connect, headers, idle body) as the cause of a destroyed request. */
class TimeLimitError extends Error {
  override readonly name = 'TimeLimitError'
}

/**
 * Downloads `url` to `targetFile` under the policy of moopanel-api.md §5.5.1: https only (unless
 * allowHttp), allowed hosts, no credentials, at most `maxRedirects` redirects each re-checked,
 * TLS always verified, a size limit on Content-Length and on the bytes read, timeouts, MD5.
 * Throws AppError with code `download_url_not_allowed`, `download_too_large`, `download_failed`,
 * `download_checksum_mismatch` or `download_target_exists`; messages never contain the URL.
 * Whatever the peer does (closing early or late, resetting, stalling, sending too much), the
 * result is one of these errors, never an exception outside this promise, and no partial file.
 */
export async function downloadPackage(url: string | URL, options: DownloadOptions): Promise<DownloadResult> {
  const maxRedirects = options.maxRedirects ?? 5
  const deadline = AbortSignal.timeout(options.timeoutMs)
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline
  let current = checkDownloadUrl(url, options)
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await get(current, options, signal)
      const statusCode = response.statusCode ?? 0
      if (REDIRECTS.has(statusCode)) {
        discard(response)
        const location = single(response.headers['location'])
        if (!location) throw failed(`HTTP ${statusCode} without Location`)
        if (redirects >= maxRedirects) throw failed('too many redirects')
        let next: URL
        try {
          next = new URL(location, current)
        } catch {
          throw urlNotAllowed('invalid redirect')
        }
        current = checkDownloadUrl(next, options)
        continue
      }
      if (statusCode !== 200) {
        discard(response)
        throw failed(`HTTP ${statusCode}`)
      }
      const length = single(response.headers['content-length'])
      if (length !== undefined && /^\d+$/.test(length) && Number(length) > options.maxBytes) {
        discard(response)
        throw tooLarge()
      }
      return await saveBody(response, options, signal)
    }
  } catch (error) {
    throw translate(error, deadline, options.signal)
  }
}

/**
 * One GET without redirects, resolving with the response once its headers arrived. Each request has
 * its own connection (no agent, no pool); the connect and header time limits destroy it.
 */
function get(url: URL, options: DownloadOptions, signal: AbortSignal): Promise<IncomingMessage> {
  const connectMs = options.connectTimeoutMs ?? 10_000
  const idleMs = options.idleTimeoutMs ?? 60_000
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    let req: ClientRequest
    try {
      req = send(url, {
        method: 'GET',
        agent: false,
        signal,
        headers: { 'accept-encoding': 'identity', 'user-agent': 'moodle-bridge', connection: 'close' },
      })
    } catch (error) {
      reject(error)
      return
    }
    let headersTimer: NodeJS.Timeout | undefined
    let connectTimer: NodeJS.Timeout | undefined
    const clearTimers = () => {
      clearTimeout(connectTimer)
      clearTimeout(headersTimer)
    }
    // Errors after the response has been handed on are reported through the response stream;
    // this listener only keeps them from becoming uncaught exceptions.
    req.on('error', (error) => {
      clearTimers()
      reject(error)
    })
    req.on('socket', (socket: Socket) => {
      const started = () => {
        clearTimeout(connectTimer)
        headersTimer = setTimeout(() => req.destroy(new TimeLimitError('no headers in time')), idleMs)
      }
      if (!socket.connecting) return started()
      connectTimer = setTimeout(() => req.destroy(new TimeLimitError('connect timed out')), connectMs)
      socket.once('connect', started)
    })
    req.on('response', (response) => {
      clearTimers()
      response.on('error', () => {}) // reported by the pipeline or ignored after discard()
      resolve(response)
    })
    req.on('close', clearTimers)
    req.end()
  })
}

/**
 * Streams the body to the target with size limit, MD5 and the idle limit; removes the file on
 * failure. pipeline() follows back-pressure: a slow target pauses the response (and the socket).
 */
async function saveBody(response: IncomingMessage, options: DownloadOptions, signal: AbortSignal): Promise<DownloadResult> {
  let target: Writable
  try {
    target = await (options.openTarget ?? openFile)(options.targetFile)
  } catch (error) {
    discard(response)
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new AppError('MB_DOWNLOAD_TARGET_EXISTS')
    }
    throw failed('cannot write file', error)
  }
  const hash = createHash('md5')
  let sizeBytes = 0
  let lastData = performance.now()
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      lastData = performance.now()
      sizeBytes += chunk.length
      if (sizeBytes > options.maxBytes) return callback(tooLarge())
      hash.update(chunk)
      callback(null, chunk)
    },
  })
  const idleMs = options.idleTimeoutMs ?? 60_000
  // The peer is silent only while we wait for it: the response flows and holds nothing unread.
  const watch = setInterval(
    () => {
      const waiting = response.readableFlowing !== false && response.readableLength === 0
      if (!waiting) lastData = performance.now()
      else if (performance.now() - lastData >= idleMs) response.destroy(new TimeLimitError('body stalled'))
    },
    Math.max(10, Math.min(1000, Math.floor(idleMs / 4))),
  )
  try {
    await pipeline(response, limit, target, { signal })
    if (!response.complete) throw failed('connection closed before the end of the body')
    const md5 = hash.digest('hex')
    if (options.expectedMd5 !== undefined && options.expectedMd5.trim().toLowerCase() !== md5) {
      throw new AppError('MB_DOWNLOAD_CHECKSUM_MISMATCH')
    }
    return { sizeBytes, md5 }
  } catch (error) {
    discard(response)
    if (!target.destroyed) target.destroy()
    await closed(target)
    await unlink(options.targetFile).catch(() => {})
    throw error
  } finally {
    clearInterval(watch)
  }
}

async function openFile(path: string): Promise<Writable> {
  const handle = await open(path, 'wx', 0o644)
  return handle.createWriteStream()
}

/** Resolves once a destroyed target has released its file (so the unlink really removes it). */
function closed(stream: Writable): Promise<void> {
  if (stream.closed) return Promise.resolve()
  return new Promise((resolve) => {
    // A target that never emits 'close' must not hold the job: give up waiting after a second.
    const timer = setTimeout(resolve, 1000)
    const done = () => {
      clearTimeout(timer)
      resolve()
    }
    stream.once('close', done)
    stream.once('error', () => {})
  })
}

/** Maps any failure to an AppError with a message fit for a callback (no URL, no credentials). */
function translate(error: unknown, deadline: AbortSignal, external: AbortSignal | undefined): AppError {
  if (error instanceof AppError) return error
  if (deadline.aborted) return failed('timed out', error)
  if (external?.aborted) return failed('cancelled', error)
  if (error instanceof TimeLimitError || (error as { cause?: unknown } | null)?.cause instanceof TimeLimitError) {
    return failed('timed out', error)
  }
  return failed('connection failed', error)
}

function failed(detail: string, cause?: unknown): AppError {
  return new AppError('MB_DOWNLOAD_FAILED', { detail }, { cause })
}

function tooLarge(): AppError {
  return new AppError('MB_DOWNLOAD_TOO_LARGE')
}

/** Drops a response we do not read, closing its connection (errors it reports then are expected). */
function discard(response: IncomingMessage): void {
  response.on('error', () => {})
  response.destroy()
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
