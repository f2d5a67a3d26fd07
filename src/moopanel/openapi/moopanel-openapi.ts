/**
 * The OpenAPI document of the management API: built once from the route table, serialised with
 * sorted keys, and served by its own two routes (behind the key, like every endpoint).
 */
import { Document } from 'yaml'
import type { EndpointHandler } from '../context.ts'
import { RAW_JSON } from '../raw-json.ts'
import { ROUTES } from '../route-table.ts'
import type { Route } from '../route-types.ts'
import { buildDocument } from './build-document.ts'

/** The document's two serialisations: what `/openapi.json` and `/openapi.yaml` answer. */
export interface MoopanelOpenApi {
  json: string
  yaml: string
}

let built: MoopanelOpenApi | undefined

/**
 * The document as JSON (two-space indentation) and YAML 1.2 (block style, no anchors), both with
 * every object's keys sorted and a final newline; the same text whoever asks (server, CLI).
 */
export function moopanelOpenApi(): MoopanelOpenApi {
  built ??= serialise(buildDocument([...ROUTES, ...DOCUMENT_ROUTES]))
  return built
}

function serialise(doc: Record<string, unknown>): MoopanelOpenApi {
  // The yaml library sorts the map entries as it builds its node tree; the JSON is read back from it.
  const node = new Document(doc, { version: '1.2', sortMapEntries: true, aliasDuplicateObjects: false })
  const yaml = node.toString({ indent: 2, lineWidth: 0, minContentWidth: 0 })
  return { json: `${JSON.stringify(node.toJS(), null, 2)}\n`, yaml: yaml.endsWith('\n') ? yaml : `${yaml}\n` }
}

const serveJson: EndpointHandler = async () => ({ status: 200, body: { [RAW_JSON]: moopanelOpenApi().json } })
const serveYaml: EndpointHandler = async () => ({
  status: 200,
  body: { [RAW_JSON]: moopanelOpenApi().yaml },
  headers: { 'content-type': 'application/yaml; charset=utf-8' },
})

/** `GET /openapi.json` and `GET /openapi.yaml` (no sub-path: `/openapi.json/x` is an unknown endpoint). */
export const DOCUMENT_ROUTES: readonly Route[] = [
  {
    endpoint: 'openapi.json', subPath: '', method: 'GET', section: '7.1', summary: 'This document as JSON',
    handler: serveJson, answers: [{ status: 200, description: 'OpenAPI 3.1 document', schema: { type: 'object' } }],
  },
  {
    endpoint: 'openapi.yaml', subPath: '', method: 'GET', section: '7.1', summary: 'This document as YAML',
    handler: serveYaml, answers: [{ status: 200, description: 'OpenAPI 3.1 document', schema: { type: 'string' }, media: 'yaml' }],
  },
]
