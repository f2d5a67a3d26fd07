import { createHash } from 'node:crypto'
import { open, unlink } from 'node:fs/promises'
import { type Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Agent, request } from 'undici'
import { AppError } from '../shared/errors.ts'
import { checkDownloadUrl, type DownloadUrlPolicy, urlNotAllowed } from './url-policy.ts'

export type DownloadOptions = DownloadUrlPolicy & {
  /** Size limit of the body; a larger Content-Length or body → `download_too_large`. */
  maxBytes: number
  /** Limit for the whole download, redirects included (spec: 30 min). */
  timeoutMs: number
  /** Connect timeout (spec: 10 s). */
  connectTimeoutMs?: number
  /** Longest wait for headers or for the next body chunk (spec: 60 s). */
  idleTimeoutMs?: number
  /** Redirects followed at most (spec: 5); each target is checked against the policy. */
  maxRedirects?: number
  /** Hex MD5 the file must have (case-insensitive) → else `download_checksum_mismatch`. */
  expectedMd5?: string
  /** Where to write the body; must not exist yet. Removed again on any failure. */
  targetFile: string
  /** Cancels the download (e.g. job shutdown). */
  signal?: AbortSignal
}

export type DownloadResult = { sizeBytes: number; md5: string }

export const DOWNLOAD_FAILED_MESSAGE = 'Cannot download zip file'
export const DOWNLOAD_TOO_LARGE_MESSAGE = 'File too large.'
export const DOWNLOAD_CHECKSUM_MESSAGE = 'Checksum mismatch.'

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/**
 * Downloads `url` to `targetFile` under the policy of moopanel-api.md §5.5.1: https only (unless
 * allowHttp), allowed hosts, no credentials, at most `maxRedirects` redirects each re-checked,
 * TLS always verified, a size limit on Content-Length and on the bytes read, timeouts, MD5.
 * Throws AppError with code `download_url_not_allowed`, `download_too_large`, `download_failed`,
 * `download_checksum_mismatch` or `download_target_exists`; messages never contain the URL.
 */
export async function downloadPackage(url: string | URL, options: DownloadOptions): Promise<DownloadResult> {
  const maxRedirects = options.maxRedirects ?? 5
  const idle = options.idleTimeoutMs ?? 60_000
  const deadline = AbortSignal.timeout(options.timeoutMs)
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline
  const agent = new Agent({
    connect: { timeout: options.connectTimeoutMs ?? 10_000 },
    headersTimeout: idle,
    bodyTimeout: idle,
  })
  let current = checkDownloadUrl(url, options)
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await request(current, {
        dispatcher: agent,
        method: 'GET',
        signal,
        headers: { 'accept-encoding': 'identity', 'user-agent': 'moodle-bridge' },
      })
      const { statusCode, headers, body } = response
      if (REDIRECTS.has(statusCode)) {
        discard(body)
        const location = single(headers['location'])
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
        discard(body)
        throw failed(`HTTP ${statusCode}`)
      }
      const length = single(headers['content-length'])
      if (length !== undefined && /^\d+$/.test(length) && Number(length) > options.maxBytes) {
        discard(body)
        throw tooLarge()
      }
      return await saveBody(body, options, signal)
    }
  } catch (error) {
    throw translate(error, deadline, options.signal)
  } finally {
    await agent.destroy().catch(() => {})
  }
}

/** Streams the body to the target file with size limit and MD5; removes the file on failure. */
async function saveBody(body: Readable, options: DownloadOptions, signal: AbortSignal): Promise<DownloadResult> {
  let handle
  try {
    handle = await open(options.targetFile, 'wx', 0o644)
  } catch (error) {
    discard(body)
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new AppError('conflict', 'download_target_exists', `${DOWNLOAD_FAILED_MESSAGE}: target file exists.`)
    }
    throw failed('cannot write file', error)
  }
  const hash = createHash('md5')
  let sizeBytes = 0
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sizeBytes += chunk.length
      if (sizeBytes > options.maxBytes) return callback(tooLarge())
      hash.update(chunk)
      callback(null, chunk)
    },
  })
  try {
    await pipeline(body, limit, handle.createWriteStream(), { signal })
    const md5 = hash.digest('hex')
    if (options.expectedMd5 !== undefined && options.expectedMd5.trim().toLowerCase() !== md5) {
      throw new AppError('invalid_input', 'download_checksum_mismatch', DOWNLOAD_CHECKSUM_MESSAGE)
    }
    return { sizeBytes, md5 }
  } catch (error) {
    await handle.close().catch(() => {})
    await unlink(options.targetFile).catch(() => {})
    throw error
  }
}

/** Maps any failure to an AppError with a message fit for a callback (no URL, no credentials). */
function translate(error: unknown, deadline: AbortSignal, external: AbortSignal | undefined): AppError {
  if (error instanceof AppError) return error
  if (deadline.aborted) return failed('timed out', error)
  if (external?.aborted) return failed('cancelled', error)
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return failed('timed out', error)
  }
  return failed('connection failed', error)
}

function failed(detail: string, cause?: unknown): AppError {
  return new AppError('unavailable', 'download_failed', `${DOWNLOAD_FAILED_MESSAGE}: ${detail}.`, undefined, cause === undefined ? undefined : { cause })
}

function tooLarge(): AppError {
  return new AppError('invalid_input', 'download_too_large', DOWNLOAD_TOO_LARGE_MESSAGE)
}

/** Drops a body we do not read; undici reports the abort as an error, which is expected here. */
function discard(body: Readable): void {
  body.on('error', () => {})
  body.destroy()
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
