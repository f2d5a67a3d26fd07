/** Shared OpenAPI components (§16.2, §16.3): security schemes, parameters, headers, responses, envelopes. */

const h = (name: string) => ({ $ref: `#/components/headers/${name}` })
const s = (name: string) => ({ $ref: `#/components/schemas/${name}` })

/** Headers every response documents (§16.4). */
export const STANDARD_HEADERS = {
  'X-Request-Id': h('XRequestId'),
  'X-RateLimit-Limit': h('XRateLimitLimit'),
  'X-RateLimit-Remaining': h('XRateLimitRemaining'),
  'X-RateLimit-Reset': h('XRateLimitReset'),
}

const json = (schema: unknown) => ({ 'application/json': { schema } })

export function sharedComponents(typeNames: string[], sessionCookie: string) {
  const securitySchemes = {
    bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    wsTokenHeader: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Moodle web service token, sent as the whole header value (or after "Bearer ").' },
    wsTokenQuery: { type: 'apiKey', in: 'query', name: 'wstoken', description: 'Moodle web service token in the query string. Discouraged; it leaks into logs.' },
    moodleSession: {
      type: 'apiKey', in: 'cookie', name: sessionCookie,
      description: 'Moodle session cookie. Unsafe methods also need the sesskey (X-Sesskey header or sesskey query parameter).',
    },
  }
  const parameters = {
    ItemId: { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1, maximum: 9007199254740991 } },
    TypeQuery: { name: 'type', in: 'query', required: false, description: 'The item type; required to address a core-backed row.', schema: { type: 'string', enum: typeNames } },
    ListType: { name: 'type', in: 'query', required: false, description: 'List items of this type only (required for core-backed types and metadata references).', schema: { type: 'string', enum: typeNames } },
    Page: { name: 'page', in: 'query', required: false, description: '0-based page index.', schema: { type: 'integer', minimum: 0, default: 0 } },
    PerPage: { name: 'perpage', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
    Filters: {
      name: 'filters', in: 'query', required: false,
      description: 'JSON object: field → scalar (equality), null, array (_in) or an object of operators (_eq, _neq, _in, _nin, _lt, _lte, _gt, _gte, _contains, _null).',
      content: { 'application/json': { schema: { type: 'object', maxProperties: 20 } } },
    },
    Sort: { name: 'sort', in: 'query', required: false, description: 'Comma-separated field references, - for descending; default sortorder,id.', schema: { type: 'string' } },
    Fields: { name: 'fields', in: 'query', required: false, description: 'Comma-separated field references, metadata or metadata.<key>; * for all.', schema: { type: 'string' } },
    IfMatch: { name: 'If-Match', in: 'header', required: false, description: 'Entity tags ("<id>-<version>") or *.', schema: { type: 'string' } },
    IfNoneMatch: { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } },
    Prefer: { name: 'Prefer', in: 'header', required: false, description: 'return=minimal answers 204 without a body.', schema: { type: 'string' } },
    SesskeyHeader: { name: 'X-Sesskey', in: 'header', required: false, description: 'Required with cookie authentication.', schema: { type: 'string' } },
    SesskeyQuery: { name: 'sesskey', in: 'query', required: false, description: 'Required with cookie authentication (alternative to X-Sesskey).', schema: { type: 'string' } },
  }
  const headers = {
    XRequestId: { description: 'The request id (echoed or generated).', schema: { type: 'string' } },
    XRateLimitLimit: { description: 'Budget of the current window.', schema: { type: 'integer' } },
    XRateLimitRemaining: { description: 'Requests left in the current window.', schema: { type: 'integer' } },
    XRateLimitReset: { description: 'Seconds until the window resets.', schema: { type: 'integer' } },
    ETag: { description: 'Strong entity tag "<id>-<version>".', schema: { type: 'string' } },
    Location: { description: 'Path of the new item.', schema: { type: 'string' } },
    Allow: { description: 'Methods the path offers.', schema: { type: 'string' } },
    RetryAfter: { description: 'Seconds to wait.', schema: { type: 'integer' } },
    PreferenceApplied: { description: 'return=minimal when honoured.', schema: { type: 'string' } },
    WWWAuthenticate: { description: 'Bearer realm="moodle-bridge".', schema: { type: 'string' } },
  }
  const error = (description: string, extra: Record<string, unknown> = {}, schema = 'ErrorResponse') => ({
    description,
    headers: { ...STANDARD_HEADERS, ...extra },
    content: json(s(schema)),
  })
  const responses = {
    ItemList: { description: 'A page of items.', headers: STANDARD_HEADERS, content: json(s('ItemListResponse')) },
    ItemOk: { description: 'The item.', headers: { ...STANDARD_HEADERS, ETag: h('ETag') }, content: json(s('ItemResponse')) },
    ItemCreated: { description: 'The created item.', headers: { ...STANDARD_HEADERS, ETag: h('ETag'), Location: h('Location') }, content: json(s('ItemResponse')) },
    MetadataOk: { description: "The item's metadata.", headers: { ...STANDARD_HEADERS, ETag: h('ETag') }, content: json(s('MetadataResponse')) },
    Deleted: { description: 'Deleted.', headers: STANDARD_HEADERS, content: json(s('DeleteResponse')) },
    DeletedMinimal: { description: 'Deleted (Prefer: return=minimal).', headers: { ...STANDARD_HEADERS, 'Preference-Applied': h('PreferenceApplied') } },
    NotModified: { description: 'Not modified.', headers: { ...STANDARD_HEADERS, ETag: h('ETag') } },
    BadRequest: error('Malformed request or invalid parameters.'),
    Unauthorized: error('Missing, invalid or expired credentials.', { 'WWW-Authenticate': h('WWWAuthenticate') }),
    Forbidden: error('API disabled, invalid sesskey or missing capability.'),
    NotFound: error('Unknown route or item.'),
    MethodNotAllowed: error('Method not offered, or a write to a read-only type.', { Allow: h('Allow') }),
    Conflict: error('The item has child items.'),
    PreconditionFailed: error('If-Match does not match.', { ETag: h('ETag') }),
    PayloadTooLarge: error('The request body is too large.'),
    UnsupportedMediaType: error('The body was not sent as JSON.'),
    ValidationFailed: error('The body failed validation.', {}, 'ValidationErrorResponse'),
    PreconditionRequired: error('If-Match is required.'),
    TooManyRequests: error('Rate limit exhausted.', { 'Retry-After': h('RetryAfter') }),
    ServerError: error('Unexpected failure.'),
    Unavailable: error('Maintenance, or a database unreachable.', { 'Retry-After': h('RetryAfter') }),
  }
  const violation = {
    type: 'object',
    required: ['field', 'rule', 'message', 'params'],
    properties: {
      field: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' },
      params: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
    },
  }
  const errorProps = {
    success: { const: false },
    error: { const: true },
    code: { type: 'integer' },
    reason: { type: 'string', pattern: '^[a-z][a-z0-9_]*$' },
    message: { type: 'string' },
    errors: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' }, minItems: 1 } },
    violations: { type: 'array', items: s('Violation') },
  }
  const schemas = {
    Violation: violation,
    ErrorResponse: { type: 'object', required: ['success', 'error', 'code', 'reason', 'message'], properties: errorProps },
    ValidationErrorResponse: { type: 'object', required: ['success', 'error', 'code', 'reason', 'message', 'errors', 'violations'], properties: errorProps },
    ListMeta: {
      type: 'object',
      required: ['total', 'page', 'pages', 'perpage'],
      properties: { total: { type: 'integer', minimum: 0 }, page: { type: 'integer', minimum: 0 }, pages: { type: 'integer', minimum: 1 }, perpage: { type: 'integer', minimum: 1, maximum: 100 } },
    },
    DeleteResponse: { type: 'object', required: ['success'], properties: { success: { const: true } } },
    ItemResponse: { type: 'object', required: ['success', 'data'], properties: { success: { const: true }, data: s('Item') } },
    ItemListResponse: {
      type: 'object',
      required: ['success', 'data', 'meta'],
      properties: { success: { const: true }, data: { type: 'array', items: s('Item') }, meta: s('ListMeta') },
    },
    MetadataResponse: { type: 'object', required: ['success', 'data'], properties: { success: { const: true }, data: { type: 'object' } } },
  }
  return { securitySchemes, parameters, headers, responses, schemas }
}
