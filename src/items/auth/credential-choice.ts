import type { AuthRequest } from './contract.ts'
import { ambiguous, invalid, missing, ok, type Step } from './refusals.ts'

/** The credential a request carries (items-api.md §5.1). */
export type Credential =
  | { kind: 'jwt'; token: string }
  | { kind: 'wstoken'; token: string; from: 'header' | 'query' }
  | { kind: 'session'; sid: string }

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const BARE_TOKEN = /^[A-Za-z0-9]{1,128}$/
const BEARER = /^bearer +(.*)$/is

/**
 * Picks the credential: `Authorization` and `?wstoken` together are ambiguous; `Authorization` is a
 * JWT or a token; then `?wstoken`; then the session cookie `cookieName` (when sessions are on).
 * Cookies are ignored whenever a header or query credential is present.
 */
export function chooseCredential(request: AuthRequest, cookieName: string, sessionsEnabled: boolean): Step<Credential> {
  const header = firstHeader(request.headers['authorization'])
  const query = request.query['wstoken']
  const queryToken = typeof query === 'string' ? query : Array.isArray(query) ? query.find((v) => typeof v === 'string' && v !== '') : undefined
  const hasQuery = typeof queryToken === 'string' && queryToken !== ''
  if (header !== undefined && hasQuery) return ambiguous('Authorization header and wstoken query parameter')
  if (header !== undefined) {
    const bearer = BEARER.exec(header.trim())
    if (bearer) {
      const value = bearer[1]!.trim()
      return JWT_SHAPE.test(value) ? ok({ kind: 'jwt', token: value }) : ok({ kind: 'wstoken', token: value, from: 'header' })
    }
    if (BARE_TOKEN.test(header.trim())) return ok({ kind: 'wstoken', token: header.trim(), from: 'header' })
    return invalid('unsupported Authorization scheme')
  }
  if (hasQuery) return ok({ kind: 'wstoken', token: queryToken, from: 'query' })
  if (sessionsEnabled) {
    const sid = readCookie(request.headers['cookie'], cookieName)
    if (sid !== undefined) return ok({ kind: 'session', sid })
  }
  return missing('no credentials')
}

/** The first value of a header that may repeat; undefined when absent. */
export function firstHeader(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value[0]
  return value
}

/** The value of the first cookie named `name` in the Cookie header(s), undecoded; undefined when absent. */
export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  const lines = Array.isArray(header) ? header : header === undefined ? [] : [header]
  for (const line of lines) {
    for (const pair of line.split(';')) {
      const eq = pair.indexOf('=')
      if (eq < 0) continue
      if (pair.slice(0, eq).trim() !== name) continue
      let value = pair.slice(eq + 1).trim()
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
      return value
    }
  }
  return undefined
}
