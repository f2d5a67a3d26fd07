import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { missingTableOf } from '../../moodle/index.ts'
import { isConnectionFailure } from '../../shared/db-errors.ts'
import { Errors, ItemsApiError, violationError } from '../errors.ts'
import type { ItemsApi } from '../create-items-api.ts'
import { violationsFromAjv } from '../validation/ajv.ts'
import { corsHeaders } from './cors.ts'
import { errorReply, type Reply } from './reply.ts'
import { stateOf } from './request-state.ts'

/**
 * Any error of the Items API as an ItemsApiError (errors.ts; each carries its code of src/shared/error-catalogue.ts): its own errors as
 * they are, Fastify's validation of path and query parameters as 400 `invalid_parameters` (§10.4),
 * an unreachable database or a missing Moodle table as 503, anything else 500, logged once here.
 */
export function toItemsError(error: unknown, request: FastifyRequest, onUnavailable?: (error: unknown) => number): ItemsApiError {
  if (error instanceof ItemsApiError) return error
  const validation = (error as FastifyError | null)?.validation
  if (Array.isArray(validation)) return violationError(400, violationsFromAjv(validation as Parameters<typeof violationsFromAjv>[0]))
  if (isConnectionFailure(error)) {
    // Many sites: the site is taken out of service for its back-off, and says for how long.
    if (onUnavailable) {
      const retryAfterS = onUnavailable(error)
      request.log.error({ err: error, code: 'MB_SITE_UNAVAILABLE', retryAfterS }, 'database unreachable: the site is out of service for its back-off')
      return Errors.siteUnavailable(retryAfterS)
    }
    request.log.error({ err: error, code: 'MB_UNAVAILABLE' }, 'database unreachable')
    return Errors.unavailable()
  }
  const table = missingTableOf(error)
  if (table !== null) {
    request.log.error({ table, code: 'MB_MOODLE_TABLE_MISSING' }, `Moodle table ${table} is missing`)
    return Errors.moodleTableMissing()
  }
  request.log.error({ err: error, code: 'MB_INTERNAL' }, 'unexpected error')
  return Errors.serverError()
}

/** The error handler of the Items API: every error becomes the envelope of §4.4. */
export function errorMapper(api: ItemsApi) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => writeReply(api, request, reply, errorReply(toItemsError(error, request, api.onUnavailable)))
}

/**
 * Writes a reply with what every outcome carries: the rate-limit headers counted so far, CORS for
 * allowed origins (§4.7), `Cache-Control: no-store` unless the reply sets its own; no body for HEAD.
 * Bodies are the handlers' JSON text (JSON.stringify): a response schema serialiser (fast-json-stringify)
 * would reorder and drop keys of item metadata, whose shape is the type's and is only known at run time.
 */
export function writeReply(api: ItemsApi, request: FastifyRequest, reply: FastifyReply, result: Reply): FastifyReply {
  const headers: Record<string, string> = { ...(stateOf(request)?.rateHeaders ?? {}) }
  const origin = request.headers.origin
  Object.assign(headers, corsHeaders(api.options.cors, typeof origin === 'string' ? origin : undefined))
  reply.status(result.status)
  reply.headers({ ...headers, ...result.headers })
  if (!result.headers['cache-control']) reply.header('cache-control', 'no-store')
  if (request.raw.method === 'HEAD' || result.body === undefined) return reply.send()
  return reply.send(result.body)
}
