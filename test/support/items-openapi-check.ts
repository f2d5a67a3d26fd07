/** Checks responses against the schemas the Items OpenAPI document declares for them (§16.6). */
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void

export type ResponseCheck = (path: string, method: string, status: number, body: string) => string[]

/** A checker over `doc`: the operation is found by its OpenAPI path (`/items/{id}`) and method. */
export function responseChecker(doc: any): ResponseCheck {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true })
  addFormats(ajv)
  ajv.addSchema(doc, 'openapi')
  const cache = new Map<string, ReturnType<Ajv2020['compile']>>()
  return (path, method, status, body) => {
    const op = doc.paths[path]?.[method.toLowerCase()]
    if (!op) return [`no operation ${method} ${path}`]
    const response = op.responses[String(status)]
    if (!response) return [`status ${status} is not documented for ${method} ${path}`]
    const name = String(response.$ref).split('/').pop()!
    const component = doc.components.responses[name]
    const schema = component.content?.['application/json']?.schema
    if (!schema) return body === '' ? [] : [`${name} declares no body, got ${body.slice(0, 80)}`]
    const pointer = `openapi#/components/responses/${name}/content/application~1json/schema`
    let validate = cache.get(pointer)
    if (!validate) cache.set(pointer, (validate = ajv.compile({ $ref: pointer })))
    if (validate(JSON.parse(body))) return []
    return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} (${e.schemaPath})`)
  }
}
