import { formatMessage, packageWire } from '../shared/error-catalogue.ts'
import { AppError } from '../shared/errors.ts'

/** Where packages may be downloaded from (moopanel-api.md §5.5.1). */
export type DownloadUrlPolicy = {
  /** Host names; `*.example.org` matches sub-domains of example.org only (not example.org itself). */
  allowedHosts: readonly string[]
  /** Allow plain `http:` for the allowed hosts. */
  allowHttp: boolean
  /** Whole origins (scheme, host, port) that are allowed as well, e.g. the panel's own origin for ZIP installs. */
  extraAllowedOrigins?: readonly string[]
}

export const DOWNLOAD_URL_NOT_ALLOWED_MESSAGE = formatMessage(packageWire('MB_DOWNLOAD_URL_NOT_ALLOWED').message, { detail: '' })

/** The error for any URL the policy refuses; never carries the URL (it may hold credentials). */
export function urlNotAllowed(detail?: string): AppError {
  return new AppError('MB_DOWNLOAD_URL_NOT_ALLOWED', { detail: detail ? `: ${detail}` : '' })
}

/**
 * Checks a URL against the policy and returns it parsed; throws AppError `download_url_not_allowed`.
 * Refused: unparsable URLs, schemes other than https (http only with allowHttp), user name or
 * password, hosts not on the list; IP literals only when listed exactly (wildcards never match them).
 * A URL whose origin equals one of `extraAllowedOrigins` passes the scheme and host checks.
 */
export function checkDownloadUrl(url: string | URL, policy: DownloadUrlPolicy): URL {
  let parsed: URL
  try {
    parsed = new URL(String(url))
  } catch {
    throw urlNotAllowed('invalid URL')
  }
  if (parsed.username !== '' || parsed.password !== '') throw urlNotAllowed('credentials in URL')
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw urlNotAllowed('scheme')
  if ((policy.extraAllowedOrigins ?? []).some((origin) => sameOrigin(parsed, origin))) return parsed
  if (parsed.protocol === 'http:' && !policy.allowHttp) throw urlNotAllowed('https required')
  if (!hostAllowed(parsed.hostname, policy.allowedHosts)) throw urlNotAllowed('host')
  return parsed
}

/**
 * Whether `host` (a URL's hostname: lower-case, punycode) is allowed by `patterns`. Exact patterns
 * match the same name (case-insensitive, IDNA-normalised, a trailing dot ignored); `*.example.org`
 * matches any deeper name ending in `.example.org`. IP literals match only an exact pattern for the
 * same address (written in any form the URL parser accepts, e.g. `127.1` or `::1`).
 */
export function hostAllowed(host: string, patterns: readonly string[]): boolean {
  const name = normaliseHost(host)
  if (name === undefined) return false
  const ip = isIpLiteral(name)
  return patterns.some((pattern) => {
    const trimmed = pattern.trim()
    if (trimmed.startsWith('*.')) {
      if (ip) return false
      const suffix = normaliseHost(trimmed.slice(2))
      if (suffix === undefined || isIpLiteral(suffix)) return false
      return name.length > suffix.length + 1 && name.endsWith(`.${suffix}`)
    }
    return normaliseHost(trimmed) === name
  })
}

/** Lower-case punycode host without trailing dot, via the WHATWG URL parser; undefined when not a bare host. */
export function normaliseHost(host: string): string | undefined {
  let input = host.trim()
  if (input === '' || input.includes('*')) return undefined
  if (input.includes(':') && !input.startsWith('[')) input = `[${input}]` // bare IPv6
  let url: URL
  try {
    url = new URL(`http://${input}/`)
  } catch {
    return undefined
  }
  // Anything but a bare host (user info, port, path, query) is not a host pattern.
  if (url.username || url.password || url.port || url.pathname !== '/' || url.search || url.hash) return undefined
  const name = url.hostname.endsWith('.') ? url.hostname.slice(0, -1) : url.hostname
  return name === '' ? undefined : name
}

/** `[…]` (IPv6) or dotted IPv4 as the URL parser normalises it (it turns 0x7f.1, 2130706433 … into dotted form). */
export function isIpLiteral(hostname: string): boolean {
  return hostname.startsWith('[') || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(hostname)
}

function sameOrigin(url: URL, origin: string): boolean {
  try {
    const allowed = new URL(origin)
    if (allowed.protocol !== 'https:' && allowed.protocol !== 'http:') return false
    return allowed.origin === url.origin
  } catch {
    return false
  }
}
