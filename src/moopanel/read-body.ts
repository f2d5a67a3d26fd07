import type { IncomingMessage } from 'node:http'
import { isObject } from './json-values.ts'

/** Outcome of reading a request body (moopanel-api.md §3.5); a refusal names its pipeline error. */
export type BodyResult =
  | { ok: true; payload: Record<string, unknown> }
  | { ok: false; error: 'invalidJson' | 'tooLarge' | 'unsupportedType'; closeConnection?: boolean }

const JSON_TYPE = /^application\/json\s*(;.*)?$/i

/**
 * Reads and parses a body without ever buffering more than `maxBytes`: media type check, size
 * check (by Content-Length first, then while reading), UTF-8 JSON (BOM ignored), then the
 * `{"data":{...}}` envelope. Any other shape gives an empty payload.
 */
export async function readBody(raw: IncomingMessage, type: string | undefined, maxBytes: number): Promise<BodyResult> {
  const declared = Number(raw.headers['content-length'] ?? NaN)
  const isJson = type === undefined || JSON_TYPE.test(type.trim())
  // The media type is checked first (§3.5 step 1): a declared non-empty body of another type is
  // refused without reading it.
  if (!isJson && Number.isFinite(declared) && declared > 0) return unsupported(raw)
  if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(raw)
  const bytes = await collect(raw, maxBytes)
  if (bytes === null) return isJson ? tooLarge(raw) : unsupported(raw)
  const text = bytes.toString('utf8')
  const empty = text.replace(/^\uFEFF/, '').trim() === ''
  if (!isJson && !empty) return unsupported(raw)
  if (empty) return { ok: true, payload: {} }
  let data: unknown
  try {
    if (!isValidUtf8(bytes)) throw new Error('not UTF-8')
    data = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch {
    return { ok: false, error: 'invalidJson' }
  }
  const envelope = isObject(data) ? data['data'] : undefined
  return { ok: true, payload: isObject(envelope) ? envelope : {} }
}

/** The body's bytes, or null as soon as it grows past `maxBytes` (the rest is then discarded). */
function collect(raw: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = (result: Buffer | null) => {
      raw.off('data', onData)
      raw.off('end', onEnd)
      raw.off('error', onError)
      resolve(result)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) done(null)
      else chunks.push(chunk)
    }
    const onEnd = () => done(Buffer.concat(chunks))
    const onError = () => done(null)
    raw.on('data', onData)
    raw.once('end', onEnd)
    raw.once('error', onError)
    if (raw.readableEnded) onEnd()
  })
}

function unsupported(raw: IncomingMessage): BodyResult {
  raw.resume() // discard whatever still comes, without buffering it
  return { ok: false, error: 'unsupportedType', closeConnection: true }
}

function tooLarge(raw: IncomingMessage): BodyResult {
  raw.resume()
  return { ok: false, error: 'tooLarge', closeConnection: true }
}

const decoder = new TextDecoder('utf-8', { fatal: true })

function isValidUtf8(bytes: Buffer): boolean {
  try {
    decoder.decode(bytes)
    return true
  } catch {
    return false
  }
}
