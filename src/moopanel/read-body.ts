import type { IncomingMessage } from 'node:http'

/** Outcome of reading a request body (moopanel-api.md §3.5). */
export type BodyResult =
  | { ok: true; payload: Record<string, unknown> }
  | { ok: false; status: 400 | 413 | 415; error: string }

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
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of raw as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBytes) return isJson ? tooLarge(raw) : unsupported(raw)
    chunks.push(chunk)
  }
  const bytes = Buffer.concat(chunks)
  const text = bytes.toString('utf8')
  const empty = text.replace(/^\uFEFF/, '').trim() === ''
  if (!isJson && !empty) return unsupported(raw)
  if (empty) return { ok: true, payload: {} }
  let data: unknown
  try {
    if (!isValidUtf8(bytes)) throw new Error('not UTF-8')
    data = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch {
    return { ok: false, status: 400, error: 'Invalid JSON body.' }
  }
  const envelope = isObject(data) ? data['data'] : undefined
  return { ok: true, payload: isObject(envelope) ? envelope : {} }
}

function unsupported(raw: IncomingMessage): BodyResult {
  raw.resume()
  return { ok: false, status: 415, error: 'Unsupported content type.' }
}

function tooLarge(raw: IncomingMessage): BodyResult {
  raw.resume() // drain without buffering, so the connection can answer
  return { ok: false, status: 413, error: 'Request body too large.' }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
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
