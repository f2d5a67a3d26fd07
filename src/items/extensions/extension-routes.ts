import type { Ajv2020 } from 'ajv/dist/2020.js'
import type { ValidateFunction } from 'ajv'
import type { RouteDefinition } from '../public-api.ts'
import { createAjv } from '../validation/ajv.ts'
import { RegistryError } from '../item-types/build-stored-type.ts'

/** A compiled extension route (§15.3). */
export interface ExtensionRoute {
  extension: string
  def: RouteDefinition<any, any, any>
  method: RouteDefinition['method']
  /** The path relative to M/api/v1, as declared: `/ecommerce/products/{id}`. */
  path: string
  segments: Array<{ literal: string } | { param: string }>
  operationId: string
  tags: string[]
  public: boolean
  capabilities: string[]
  validateParams: ValidateFunction | null
  validateQuery: ValidateFunction | null
  validateBody: ValidateFunction | null
  /** Drops undeclared properties from `data` / `meta` per declared status. */
  shapeResponse: Map<number, { data: ValidateFunction | null; meta: ValidateFunction | null }>
}

export const BUILTIN_OPERATION_IDS = new Set(['listItems', 'createItem', 'getItem', 'updateItem', 'patchItem', 'deleteItem', 'getItemMetadata'])
const OPERATION_ID = /^[a-z][A-Za-z0-9]*$/
const LITERAL = /^[a-z0-9_-]+$/
const PARAM = /^\{([a-z][A-Za-z0-9_]*)\}$/
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])

/** Checks and compiles every extension route; throws RegistryError on the first violation of §15.3. */
export function compileExtensionRoutes(
  extensions: ReadonlyArray<{ extension: { name: string; routes?: RouteDefinition<any, any, any>[] }; source: string }>,
  info: ReadonlyArray<{ name: string; capability: string }>,
  ajv: Ajv2020,
): ExtensionRoute[] {
  const coercing = createAjv({ coerceTypes: true })
  const shaping = createAjv({ removeAdditional: true })
  const out: ExtensionRoute[] = []
  const seenOps = new Map<string, string>()
  const seenPaths = new Set<string>()
  for (const { extension, source } of extensions) {
    const defaultCapability = info.find((e) => e.name === extension.name)!.capability
    for (const [i, def] of (extension.routes ?? []).entries()) {
      const where = `extension ${extension.name} (${source}) routes[${i}]`
      const fail = (problem: string): never => {
        throw new RegistryError(`${where}: ${problem}`)
      }
      if (!METHODS.has(def.method)) fail(`method ${String(def.method)} is not supported`)
      if (typeof def.path !== 'string' || !(def.path === `/${extension.name}` || def.path.startsWith(`/${extension.name}/`))) {
        fail(`the path must be /${extension.name} or start with /${extension.name}/`)
      }
      const segments = def.path.slice(1).split('/').map((s, j) => {
        const m = PARAM.exec(s)
        if (m && j > 0) return { param: m[1]! }
        if (!LITERAL.test(s)) fail(`path segment ${JSON.stringify(s)} is invalid`)
        return { literal: s }
      })
      const paramNames = segments.flatMap((s) => ('param' in s ? [String(s.param)] : []))
      if (new Set(paramNames).size !== paramNames.length) fail('a path parameter appears twice')
      const params = def.request?.params as Record<string, any> | undefined
      for (const p of paramNames) {
        const t = params?.properties?.[p]?.type
        if (t !== 'string' && t !== 'integer') fail(`path parameter ${p} must be described in request.params with type string or integer`)
      }
      if (typeof def.operationId !== 'string' || !OPERATION_ID.test(def.operationId)) fail('operationId must match ^[a-z][A-Za-z0-9]*$')
      if (BUILTIN_OPERATION_IDS.has(def.operationId)) fail(`operationId ${def.operationId} is reserved`)
      const twin = seenOps.get(def.operationId)
      if (twin) fail(`operationId ${def.operationId} is already used by ${twin}`)
      seenOps.set(def.operationId, where)
      const shape = `${def.method} /${segments.map((s) => ('param' in s ? '{}' : s.literal)).join('/')}`
      if (seenPaths.has(shape)) fail(`${def.method} ${def.path} is declared twice`)
      seenPaths.add(shape)
      if (def.request?.body !== undefined && !['POST', 'PUT', 'PATCH'].includes(def.method)) fail('only POST, PUT and PATCH routes may declare a body')
      if (typeof def.handler !== 'function') fail('handler must be a function')
      const statuses = Object.keys(def.responses ?? {})
      if (statuses.length === 0 || statuses.some((s) => !['200', '201', '202', '204'].includes(s))) fail('responses must declare 200, 201, 202 and/or 204')
      const compile = (which: string, a: Ajv2020, schema: unknown): ValidateFunction | null => {
        if (schema === undefined) return null
        try {
          return a.compile(schema as object)
        } catch (error) {
          return fail(`${which} does not compile: ${(error as Error).message}`)
        }
      }
      const auth = def.auth
      const isPublic = auth !== undefined && 'public' in auth && auth.public === true
      const capabilities = isPublic ? [] : auth && 'capability' in auth ? [auth.capability].flat() : [defaultCapability]
      const shapeResponse = new Map<number, { data: ValidateFunction | null; meta: ValidateFunction | null }>()
      for (const [status, spec] of Object.entries(def.responses ?? {})) {
        shapeResponse.set(Number(status), {
          data: compile(`responses.${status}.data`, shaping, spec?.data),
          meta: compile(`responses.${status}.meta`, shaping, spec?.meta),
        })
      }
      out.push({
        extension: extension.name,
        def,
        method: def.method,
        path: def.path,
        segments,
        operationId: def.operationId,
        tags: def.tags ?? [extension.name],
        public: isPublic,
        capabilities,
        validateParams: compile('request.params', coercing, params),
        validateQuery: compile('request.query', coercing, def.request?.query),
        validateBody: compile('request.body', ajv, def.request?.body),
        shapeResponse,
      })
    }
  }
  return out
}
