import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Errors } from '../errors.ts'
import { ifNoneMatchHolds } from '../operations/items-core.ts'
import type { Reply } from '../http/reply.ts'
import type { ParsedRequest } from './item-routes.ts'

/** The two serialisations of the document, built once (the registry is frozen). */
export interface OpenApiDocuments {
  json: string
  yaml: string
  jsonEtag: string
  yamlEtag: string
  /** The same serialisations encoded once (UTF-8), so a request does not encode the document again. */
  jsonBytes?: Buffer
  yamlBytes?: Buffer
}

/** GET M/api/openapi.json | .yaml (§8.7): not wrapped, ETag, `Cache-Control: no-cache`. */
export function openapiRoute(docs: OpenApiDocuments, format: 'json' | 'yaml', r: ParsedRequest): Reply {
  const etag = format === 'json' ? docs.jsonEtag : docs.yamlEtag
  const headers = { etag, 'cache-control': 'no-cache' }
  const inm = r.headers['if-none-match']
  if (typeof inm === 'string' && ifNoneMatchHolds(inm, etag)) return { status: 304, headers }
  return {
    status: 200,
    headers: { ...headers, 'content-type': format === 'json' ? 'application/json; charset=utf-8' : 'application/yaml; charset=utf-8' },
    body: format === 'json' ? (docs.jsonBytes ?? docs.json) : (docs.yamlBytes ?? docs.yaml),
  }
}

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
}

let distDir: string | undefined
function swaggerDist(): string {
  distDir ??= dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
  return distDir
}
const cache = new Map<string, Buffer>()

/**
 * The page loads only its own scripts (no inline script: the initialiser is init.js), styles and
 * images from this server (Swagger UI sets inline style attributes and data: icons), fetches only
 * the document, and may not be framed.
 */
export const DOCS_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
}

/** The interactive documentation page at M/api/docs, served from the local swagger-ui-dist (no CDN). */
export function docsPageRoute(mountPath: string): Reply {
  const html = docsPageHtml(`${mountPath}/api/docs`, 'moodle-bridge Items API')
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', ...DOCS_PAGE_HEADERS }, body: html }
}

/** A static asset of the documentation page, or the page's initialiser. */
export async function docsAssetRoute(asset: string, mountPath = ''): Promise<Reply> {
  if (asset === 'init.js') {
    const url = JSON.stringify(`${mountPath}/api/openapi.json`)
    const body = `window.onload = function () {\n  window.ui = SwaggerUIBundle({ url: ${url}, dom_id: '#swagger-ui', deepLinking: true, withCredentials: true,\n    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' })\n}\n`
    return { status: 200, headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }, body }
  }
  const type = ASSETS[asset]
  if (!type) throw Errors.routeNotFound()
  let bytes = cache.get(asset)
  if (!bytes) cache.set(asset, (bytes = await readFile(join(swaggerDist(), asset))))
  return { status: 200, headers: { 'content-type': type, 'cache-control': 'public, max-age=86400' }, body: bytes }
}

/** The Swagger UI page whose assets and `init.js` are served below `base` (also the ops listener's page for both APIs). */
export function docsPageHtml(base: string, title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link rel="stylesheet" href="${base}/swagger-ui.css">
<link rel="stylesheet" href="${base}/index.css">
<link rel="icon" type="image/png" href="${base}/favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${base}/swagger-ui-bundle.js"></script>
<script src="${base}/swagger-ui-standalone-preset.js"></script>
<script src="${base}/init.js"></script>
</body>
</html>
`
}
