import { readFile, rename, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { buildOpenApiDocuments, loadRegistry, openApiInputs } from '../items/index.ts'
import { moopanelOpenApi } from '../moopanel/index.ts'
import { readSiteWwwroot } from '../moodle/index.ts'
import { configFrom, UsageError, type CommonFlags } from './common.ts'

export interface OpenApiFlags extends CommonFlags {
  /** `items` (default) or `moopanel`. */
  api?: string
  format?: string
  serverUrl?: string
  dryRun?: boolean
  out?: string
}

/**
 * `openapi` (items-api.md §17): the Items API document exactly as the service serves it, built from
 * the same configuration without a database or network; with `--api moopanel`, the management API's
 * document (moopanel-api.md §7.1), which depends on no configuration. Exit 0 success, 1
 * configuration/registry/document/write failure, 2 usage error.
 */
export async function openapiCommand(flags: OpenApiFlags, extra: string[] = []): Promise<void> {
  try {
    if (extra.length > 0) throw new UsageError(`unknown option or argument: ${extra[0]}`)
    const api = flags.api ?? 'items'
    if (api !== 'items' && api !== 'moopanel') throw new UsageError(`--api must be items or moopanel, not ${api}`)
    const format = flags.format ?? 'yaml'
    if (format !== 'json' && format !== 'yaml') throw new UsageError(`--format must be json or yaml, not ${format}`)
    if (api === 'moopanel' && flags.serverUrl !== undefined) throw new UsageError('--server-url applies to --api items only')
    if (flags.serverUrl !== undefined && !validServerUrl(flags.serverUrl)) {
      throw new UsageError('--server-url must be an absolute http(s) URL or a path starting with /')
    }
    const text = api === 'moopanel' ? await moopanelDocument(format) : await buildDocument(flags, format)
    if (flags.dryRun) {
      process.stdout.write(text)
      if (flags.out) {
        const before = await readFile(flags.out, 'utf8').catch(() => null)
        const what = before === null ? 'created' : before === text ? 'unchanged' : 'changed'
        process.stderr.write(`dry run: ${flags.out} would be ${what}, ${Buffer.byteLength(text)} bytes\n`)
      }
      return
    }
    if (!flags.out) {
      process.stdout.write(text)
      return
    }
    const target = resolve(flags.out)
    const dir = await stat(dirname(target)).catch(() => null)
    if (!dir?.isDirectory()) throw new Error(`the directory of ${flags.out} does not exist`)
    const temp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`)
    await writeFile(temp, text)
    await rename(temp, target)
  } catch (error) {
    const usage = error instanceof UsageError
    process.stderr.write(`moodle-bridge: ${(error as Error).message}\n`)
    process.exitCode = usage ? 2 : 1
  }
}

function validServerUrl(value: string): boolean {
  if (value.startsWith('/')) return true
  try {
    const u = new URL(value)
    return u.protocol === 'http:' || u.protocol === 'https:'
  } catch {
    return false
  }
}

async function buildDocument(flags: OpenApiFlags, format: 'json' | 'yaml'): Promise<string> {
  const config = await configFrom(flags)
  const baseDir = flags.config ? dirname(resolve(flags.config)) : process.cwd()
  const registry = await loadRegistry(config, { baseDir })
  const wwwroot = config.wwwroot ?? (config.moodle_dir ? await readSiteWwwroot(config.moodle_dir) : undefined)
  const docs = buildOpenApiDocuments(registry, openApiInputs(config, wwwroot, flags.serverUrl))
  await validate(docs.json)
  return format === 'json' ? docs.json : docs.yaml
}

/** The management API's document, exactly as `/local/moopanel/server.php/openapi.json|yaml` serve it. */
async function moopanelDocument(format: 'json' | 'yaml'): Promise<string> {
  const docs = moopanelOpenApi()
  await validate(docs.json)
  return format === 'json' ? docs.json : docs.yaml
}

/** §16.6: the document must be valid OpenAPI 3.1 before it is written. */
async function validate(json: string): Promise<void> {
  let Validator: (new () => { validate(doc: unknown): Promise<{ valid: boolean; errors?: unknown }> }) | undefined
  try {
    ;({ Validator } = (await import('@seriousme/openapi-schema-validator')) as never)
  } catch {
    return // the validator is a development dependency; production installs skip this check
  }
  const result = await new Validator!().validate(JSON.parse(json))
  if (!result.valid) throw new Error(`the generated document is not valid OpenAPI 3.1: ${JSON.stringify(result.errors).slice(0, 500)}`)
}
