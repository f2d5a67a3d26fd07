import { errorsOf, selectViolations, summaryMessage, type Violation } from './messages.ts'

/** Field path → messages (§10.5). */
export type FieldErrors = Record<string, string[]>

/** An error rendered with the error envelope (§4.4): status, reason, message, optional field errors. */
export class ItemsApiError extends Error {
  override readonly name: string = 'ItemsApiError'
  readonly errors?: FieldErrors
  readonly headers?: Record<string, string>
  /** The same errors as §10.5 violations, when known. */
  violations?: Violation[]

  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    options?: { errors?: FieldErrors; headers?: Record<string, string> },
  ) {
    super(message)
    if (options?.errors) this.errors = options.errors
    if (options?.headers) this.headers = options.headers
  }
}

/** 400; reason 'invalid_parameters' when errors are given, else 'bad_request'. */
export class BadRequestError extends ItemsApiError {
  constructor(message: string, options?: { reason?: string; errors?: FieldErrors }) {
    super(400, options?.reason ?? (options?.errors ? 'invalid_parameters' : 'bad_request'), message, { errors: options?.errors })
  }
}

/** 403; reason 'missing_capability' unless given. */
export class ForbiddenError extends ItemsApiError {
  constructor(message: string, options?: { reason?: string }) {
    super(403, options?.reason ?? 'missing_capability', message)
  }
}

/** 404; defaults: reason 'item_not_found', message 'Item not found.'. */
export class NotFoundError extends ItemsApiError {
  constructor(message?: string, options?: { reason?: string }) {
    super(404, options?.reason ?? 'item_not_found', message ?? 'Item not found.')
  }
}

/** 409; reason 'conflict' unless given. */
export class ConflictError extends ItemsApiError {
  constructor(message: string, options?: { reason?: string }) {
    super(409, options?.reason ?? 'conflict', message)
  }
}

/** 422; reason 'validation_failed'; the message is derived from errors as in §10.4. */
export class ValidationError extends ItemsApiError {
  constructor(errors: FieldErrors) {
    const violations: Violation[] = Object.keys(errors)
      .sort()
      .flatMap((field) => (errors[field] ?? []).map((m) => ({ field, rule: 'invalid', message: m, params: {} })))
    super(422, 'validation_failed', summaryMessage(violations), { errors })
    this.violations = violations
  }
}

/** A 400 `invalid_parameters` or 422 `validation_failed` from violations (selected and ordered per §10.4). */
export function violationError(status: 400 | 422, all: Violation[]): ItemsApiError {
  const selected = selectViolations(all)
  const error = new ItemsApiError(status, status === 400 ? 'invalid_parameters' : 'validation_failed', summaryMessage(selected), {
    errors: errorsOf(selected),
  })
  error.violations = selected
  return error
}

/** The messages of the reasons an authenticator may refuse with (§4.4). */
export const REFUSAL_MESSAGES: Readonly<Record<string, string>> = {
  ambiguous_credentials: 'Credentials were sent in more than one way.',
  missing_credentials: 'Unauthenticated.',
  invalid_credentials: 'Unauthenticated.',
  expired_credentials: 'Unauthenticated.',
  invalid_sesskey: 'A valid sesskey is required for this request.',
  maintenance: 'The site is in maintenance mode.',
  unavailable: 'The service is temporarily unavailable.',
}

/** The fixed errors of §4.4. */
export const Errors = {
  /** A request Node could not parse (written to the socket by the server's client-error handler). */
  badRequest: () => new ItemsApiError(400, 'bad_request', 'Bad request.'),
  /** Headers over Node's limit (431, written to the socket like badRequest). */
  requestHeaderTooLarge: () => new ItemsApiError(431, 'request_header_too_large', 'The request headers are too large.'),
  /** An authenticator's refusal (§5): its status, reason and headers, the message of its reason. */
  refused: (status: number, reason: string, headers?: Record<string, string>) =>
    new ItemsApiError(status, reason, REFUSAL_MESSAGES[reason] ?? 'Unauthenticated.', { headers }),
  invalidJson: () => new ItemsApiError(400, 'invalid_json', 'Malformed JSON in request body.'),
  invalidBody: () => new ItemsApiError(400, 'invalid_body', 'The request body must be a JSON object.'),
  apiDisabled: () => new ItemsApiError(403, 'api_disabled', 'The API is disabled.'),
  missingCapability: (capability: string) => new ItemsApiError(403, 'missing_capability', `Missing capability: ${capability}`),
  noReadableType: () => new ItemsApiError(403, 'missing_capability', 'You may not read any item type.'),
  routeNotFound: () => new ItemsApiError(404, 'route_not_found', 'Route not found.'),
  itemNotFound: () => new ItemsApiError(404, 'item_not_found', 'Item not found.'),
  methodNotAllowed: (allow: string) => new ItemsApiError(405, 'method_not_allowed', 'Method not allowed.', { headers: { allow } }),
  readOnlyType: (type: string) =>
    new ItemsApiError(405, 'read_only_type', `Items of type ${type} are read-only: they are Moodle records and can only be changed in Moodle.`, {
      headers: { allow: 'GET, HEAD, OPTIONS' },
    }),
  hasChildren: () => new ItemsApiError(409, 'item_has_children', 'The item has child items; delete them or change their parent first.'),
  preconditionFailed: (etag: string) => new ItemsApiError(412, 'precondition_failed', 'The item has been modified since it was read.', { headers: { etag } }),
  payloadTooLarge: () => new ItemsApiError(413, 'payload_too_large', 'The request body is too large.'),
  unsupportedMediaType: () => new ItemsApiError(415, 'unsupported_media_type', 'The request body must be sent as application/json.'),
  preconditionRequired: () => new ItemsApiError(428, 'precondition_required', 'This request requires an If-Match header.'),
  tooManyRequests: (retryAfterS: number) => new ItemsApiError(429, 'too_many_requests', 'Too Many Attempts.', { headers: { 'retry-after': String(retryAfterS) } }),
  serverError: () => new ItemsApiError(500, 'server_error', 'Server Error.'),
  maintenance: () => new ItemsApiError(503, 'maintenance', 'The site is in maintenance mode.', { headers: { 'retry-after': '60' } }),
  unavailable: () => new ItemsApiError(503, 'unavailable', 'The service is temporarily unavailable.', { headers: { 'retry-after': '60' } }),
  /** A Moodle table the API reads has gone (checked at start-up; the log names the table). */
  moodleTableMissing: () =>
    new ItemsApiError(503, 'moodle_table_missing', 'The service is temporarily unavailable: a Moodle table it reads is missing.', {
      headers: { 'retry-after': '60' },
    }),
  unauthenticated: (reason: string) =>
    new ItemsApiError(401, reason, 'Unauthenticated.', { headers: { 'www-authenticate': 'Bearer realm="moodle-bridge"' } }),
}
