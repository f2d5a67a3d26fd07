/** Where a request lands in the API: endpoint name and sub-path (moopanel-api.md §3.1). */
export interface RoutedPath {
  endpoint: string
  subPath: string
}

/**
 * Normalises a raw request path and finds the API route: duplicate slashes collapsed, segments
 * percent-decoded, the first `local/moopanel/server.php` run found after any prefix, a trailing
 * slash ignored. Returns null for paths outside the API and 'bad' for undecodable segments.
 */
export function routePath(rawPath: string): RoutedPath | null | 'bad' {
  const segments: string[] = []
  for (const part of rawPath.split('/')) {
    if (part === '') continue
    try {
      segments.push(decodeURIComponent(part))
    } catch {
      return 'bad'
    }
  }
  for (let i = 0; i + 2 < segments.length; i++) {
    if (segments[i] === 'local' && segments[i + 1] === 'moopanel' && segments[i + 2] === 'server.php') {
      const rest = segments.slice(i + 3)
      return { endpoint: rest[0] ?? 'test_connection', subPath: rest.slice(1).join('/') }
    }
  }
  return null
}
