import type { EndpointHandler } from './context.ts'
import type { JsonSchema } from './schemas.ts'

/** Methods an endpoint may allow, in the order the `Allow` header lists them (moopanel-api.md §3.2). */
export const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const
export type RouteMethod = (typeof ROUTE_METHODS)[number]

/** A query parameter or a payload field of a route. */
export interface Field {
  name: string
  /** What the field may hold, as the OpenAPI document shows it. */
  schema: JsonSchema
  required?: boolean
  description?: string
  /**
   * Checked by the error mapper before the handler runs: a required field that is missing (for a
   * query parameter: not given, §3.6), or a value that does not match `schema` (or `check.schema`
   * when the handler reads the value more finely), answers 400 with `message`. Checked fields come
   * first, in the order the endpoint's section checks them; later fields are checked by the handler.
   */
  check?: { message: string; schema?: JsonSchema }
}

/** One answer a route gives, other than the pipeline errors of §3.8. */
export interface RouteAnswer {
  status: number
  description: string
  schema: JsonSchema
  /** `yaml` for a YAML text body; JSON otherwise. */
  media?: 'yaml'
  headers?: Record<string, string>
}

/** One endpoint, sub-path and method of the management API (moopanel-api.md §4). */
export interface Route {
  /** The first segment after `server.php`. */
  endpoint: string
  /** The exact sub-path, or `'*'`: any sub-path that no other route of the endpoint and method names. */
  subPath: string
  method: RouteMethod
  /** The spec section, for the document. */
  section: string
  summary: string
  handler: EndpointHandler
  /** Asynchronous endpoints may also answer 503 (§5.3) and replay (X-Idempotent-Replay). */
  async?: boolean
  query?: readonly Field[]
  body?: readonly Field[]
  answers: readonly RouteAnswer[]
  /** The endpoint's own errors (besides the messages of checked fields): status and message. */
  errors?: ReadonlyArray<readonly [number, string]>
}
