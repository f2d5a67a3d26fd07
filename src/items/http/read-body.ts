import type { IncomingMessage } from 'node:http'
import { Errors, type ItemsApiError } from '../errors.ts'

const JSON_TYPE = /^application\/(?:[A-Za-z0-9!#$&^_.-]+\+)?json\s*(?:;.*)?$/i

/** True for `application/json` and `application/<x>+json`, parameters allowed (§4.1). */
export function isJsonContentType(value: string | undefined): boolean {
  return value !== undefined && JSON_TYPE.test(value.trim())
}

/** Reads a request body up to `limit` bytes; 413 when larger. */
export async function readRawBody(raw: IncomingMessage, limit: number): Promise<Buffer | ItemsApiError> {
  const declared = Number(raw.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) return Errors.payloadTooLarge()
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of raw) {
    const b = chunk as Buffer
    size += b.length
    if (size > limit) return Errors.payloadTooLarge()
    chunks.push(b)
  }
  return Buffer.concat(chunks)
}

/** Parses a JSON object body (§4.1): syntax → 400 invalid_json; `__proto__` and `constructor.prototype` → invalid_json; non-object → invalid_body. */
export function parseJsonObject(bytes: Buffer): Record<string, unknown> | ItemsApiError {
  const text = bytes.toString('utf8')
  if (text.trim() === '') return Errors.invalidBody()
  let poisoned = false
  let value: unknown
  try {
    value = JSON.parse(text, function (key, v) {
      if (key === '__proto__') poisoned = true
      if (key === 'constructor' && typeof v === 'object' && v !== null && Object.hasOwn(v, 'prototype')) poisoned = true
      return v
    })
  } catch {
    return Errors.invalidJson()
  }
  if (poisoned) return Errors.invalidJson()
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return Errors.invalidBody()
  return value as Record<string, unknown>
}
