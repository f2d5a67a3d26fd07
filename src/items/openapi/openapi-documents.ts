import { readFileSync } from 'node:fs'
import type { ItemsConfig } from '../../config/index.ts'
import type { ItemTypeRegistry } from '../item-types/registry.ts'
import type { OpenApiDocuments } from '../routes/openapi-routes.ts'
import { buildOpenApi, type OpenApiInputs } from './build-openapi.ts'
import { documentEtag, toJsonText, toYamlText } from './serialize.ts'

/** The service's version (package.json), part of the document (§16.5). */
export function serviceVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

/** The mount path `M` (§2.1): `items_mount_path`, else wwwroot's path + `/local/middag/index.php`. */
export function mountPathOf(config: Pick<ItemsConfig, 'items_mount_path'>, wwwroot: string | undefined): string {
  if (config.items_mount_path) return config.items_mount_path
  const path = wwwroot ? new URL(wwwroot).pathname.replace(/\/+$/, '') : ''
  return `${path}/local/middag/index.php`
}

/** The inputs of §16.1/§16.2 from the configuration: server URL (origin of wwwroot + M/api/v1) and cookie name. */
export function openApiInputs(config: Pick<ItemsConfig, 'items_mount_path' | 'items_moodle_config'>, wwwroot: string | undefined, serverUrl?: string): OpenApiInputs {
  const mount = mountPathOf(config, wwwroot)
  return {
    version: serviceVersion(),
    serverUrl: serverUrl ?? `${wwwroot ? new URL(wwwroot).origin : ''}${mount}/api/v1`,
    sessionCookie: `MoodleSession${config.items_moodle_config['sessioncookie'] ?? ''}`,
  }
}

/**
 * Both serialisations and their entity tags. Each open site keeps its documents, so only the UTF-8
 * bytes that are served are kept; the text is decoded from them when asked for (the same string:
 * kept as text instead only when it would not survive the round trip, e.g. a lone surrogate).
 */
export function buildOpenApiDocuments(registry: ItemTypeRegistry, inputs: OpenApiInputs): OpenApiDocuments {
  const doc = buildOpenApi(registry, inputs)
  const json = toJsonText(doc)
  const yaml = toYamlText(doc)
  const jsonBytes = Buffer.from(json, 'utf8')
  const yamlBytes = Buffer.from(yaml, 'utf8')
  const jsonText = textOf(json, jsonBytes)
  const yamlText = textOf(yaml, yamlBytes)
  return {
    get json() {
      return jsonText()
    },
    get yaml() {
      return yamlText()
    },
    jsonEtag: documentEtag(json),
    yamlEtag: documentEtag(yaml),
    jsonBytes,
    yamlBytes,
  }
}

/** The text of a document: decoded from its bytes when they hold it exactly, else the text itself. */
function textOf(text: string, bytes: Buffer): () => string {
  return bytes.toString('utf8') === text ? decoder(bytes) : () => text
}

/** A closure over the bytes alone (one sharing a scope with the text would keep the text too). */
function decoder(bytes: Buffer): () => string {
  return () => bytes.toString('utf8')
}
