/**
 * Checks every management API answer the tests receive against the generated OpenAPI document
 * (issue #11 point 3): the status is declared for the operation the request reached, and a JSON
 * body matches its schema. Requests that reach no operation (unknown endpoints, methods not
 * allowed, paths outside the API) must carry one of the pipeline errors of §3.8.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import { moopanelOpenApi } from '../../src/moopanel/index.ts'
import { routePath } from '../../src/moopanel/route-path.ts'

let doc: any
const ajv = new Ajv2020({ strict: false, allErrors: true })
const validators = new Map<string, ValidateFunction>()

function documentOf(): any {
  if (!doc) {
    doc = JSON.parse(moopanelOpenApi().json)
    ajv.addSchema(doc, 'moopanel-openapi')
  }
  return doc
}

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')

function validatorAt(ref: string): ValidateFunction {
  let validate = validators.get(ref)
  if (!validate) validators.set(ref, (validate = ajv.compile({ $ref: `moopanel-openapi#/${ref}` })))
  return validate
}

/** Statuses a request may get without reaching an operation: the pipeline errors, 404 and 405. */
const UNROUTED = new Set([400, 401, 403, 404, 405, 413, 415, 423, 429, 500])

/** The problems of one answer to `url` (as the server received it); empty when it matches the document. */
export function documentProblems(method: string, url: string, status: number, contentType: unknown, body: string): string[] {
  const d = documentOf()
  const at = `${method} ${url.slice(0, 200)} → ${status}`
  const queryAt = url.indexOf('?')
  const routed = routePath(queryAt === -1 ? url : url.slice(0, queryAt))
  let op: any
  let opRef = ''
  // A decoded endpoint segment holding `/` names no endpoint (§3.1).
  if (routed !== null && routed !== 'bad' && !routed.endpoint.includes('/')) {
    const m = method.toLowerCase()
    const exact = routed.subPath === '' ? `/${routed.endpoint}` : `/${routed.endpoint}/${routed.subPath}`
    const whole = `/${routed.endpoint}`
    if (d.paths[exact]?.[m]) [op, opRef] = [d.paths[exact][m], pointer('paths', exact, m)]
    else if (d.paths[whole]?.[m]?.['x-any-sub-path']) [op, opRef] = [d.paths[whole][m], pointer('paths', whole, m)]
  }
  const json = (ref: string): string[] => {
    if (method.toUpperCase() === 'HEAD') return body === '' ? [] : [`${at}: HEAD with a body`]
    let value: unknown
    try {
      value = JSON.parse(body)
    } catch {
      return [`${at}: body is not JSON: ${body.slice(0, 120)}`]
    }
    const validate = validatorAt(ref)
    if (validate(value)) return []
    return (validate.errors ?? []).slice(0, 5).map((e) => `${at}: ${e.instancePath || '/'} ${e.message} (${e.schemaPath})`)
  }
  if (!op) {
    if (!UNROUTED.has(status)) return [`${at}: status not possible without an operation`]
    return json(status === 500 ? 'components/schemas/InternalError' : 'components/schemas/Error')
  }
  const response = op.responses[String(status)]
  if (!response) return [`${at}: status not declared for ${opRef}`]
  const media = Object.keys(response.content ?? {})[0]
  if (media === undefined) return body === '' ? [] : [`${at}: no body declared`]
  if (media !== 'application/json') {
    return String(contentType ?? '').startsWith(media) ? [] : [`${at}: content-type ${String(contentType)}, declared ${media}`]
  }
  return json(`${opRef}/${pointer('responses', String(status), 'content', media, 'schema')}`)
}

/** Throws when the answer does not match the document (called by the request helpers). */
export function assertDocumented(method: string, url: string, res: { status: number; headers: Record<string, unknown>; body: string }): void {
  const problems = documentProblems(method, url, res.status, res.headers['content-type'], res.body)
  if (problems.length > 0) throw new Error(`answer not as the OpenAPI document declares it:\n${problems.join('\n')}`)
}
