import { formatMessage, itemsCodeOfReason, itemsWire, type ItemsCode, type MessageParams } from '../shared/error-catalogue.ts'
import { errorsOf, selectViolations, summaryMessage, type Violation } from './messages.ts'

/** Field path → messages (§10.5). */
export type FieldErrors = Record<string, string[]>

/**
 * An error rendered with the error envelope (§4.4): status, reason, message, optional field errors,
 * and its code of the error catalogue (src/shared/error-catalogue.ts; never on the wire). The code
 * is given, or found from the reason; a reason the catalogue does not know (an extension's own) is
 * `MB_EXTENSION_ERROR`.
 */
export class ItemsApiError extends Error {
  override readonly name: string = 'ItemsApiError'
  readonly errors?: FieldErrors
  readonly headers?: Record<string, string>
  /** The catalogue code. */
  readonly errorCode: ItemsCode
  /** The same errors as §10.5 violations, when known. */
  violations?: Violation[]

  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    options?: { errors?: FieldErrors; headers?: Record<string, string>; code?: ItemsCode },
  ) {
    super(message)
    if (options?.errors) this.errors = options.errors
    if (options?.headers) this.headers = options.headers
    this.errorCode = options?.code ?? itemsCodeOfReason(reason) ?? 'MB_EXTENSION_ERROR'
  }
}

/**
 * The error of a catalogue code: its status, reason and message (with `params` filled in); a code
 * whose status is `'given'` takes `status` (and may take the reason) from the caller.
 */
export function itemsError(
  code: ItemsCode,
  params?: MessageParams,
  options: { status?: number; reason?: string; errors?: FieldErrors; headers?: Record<string, string> } = {},
): ItemsApiError {
  const wire = itemsWire(code)
  const status = options.status ?? (wire.status === 'given' ? 500 : wire.status)
  return new ItemsApiError(status, options.reason ?? wire.reason, formatMessage(wire.message, params), {
    errors: options.errors,
    headers: options.headers,
    code,
  })
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
    super(404, options?.reason ?? 'item_not_found', message ?? itemsWire('MB_ITEM_NOT_FOUND').message)
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
    super(422, 'validation_failed', summaryMessage(violations), { errors, code: 'MB_VALIDATION_FAILED' })
    this.violations = violations
  }
}

/** A 400 `invalid_parameters` or 422 `validation_failed` from violations (selected and ordered per §10.4). */
export function violationError(status: 400 | 422, all: Violation[]): ItemsApiError {
  const selected = selectViolations(all)
  const error = itemsError(status === 400 ? 'MB_INVALID_PARAMETERS' : 'MB_VALIDATION_FAILED', { summary: summaryMessage(selected) }, {
    errors: errorsOf(selected),
  })
  error.violations = selected
  return error
}

/** The codes of the reasons an authenticator may refuse with (§4.4, §5). */
const REFUSAL_CODES = {
  ambiguous_credentials: 'MB_AMBIGUOUS_CREDENTIALS',
  missing_credentials: 'MB_MISSING_CREDENTIALS',
  invalid_credentials: 'MB_INVALID_CREDENTIALS',
  expired_credentials: 'MB_EXPIRED_CREDENTIALS',
  invalid_sesskey: 'MB_INVALID_SESSKEY',
  maintenance: 'MB_MAINTENANCE',
  unavailable: 'MB_UNAVAILABLE',
} as const satisfies Record<string, ItemsCode>

/** The messages of the reasons an authenticator may refuse with (§4.4), from the catalogue. */
export const REFUSAL_MESSAGES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(REFUSAL_CODES).map(([reason, code]) => [reason, itemsWire(code).message]),
)

function refusalCode(reason: string): ItemsCode {
  return Object.hasOwn(REFUSAL_CODES, reason) ? REFUSAL_CODES[reason as keyof typeof REFUSAL_CODES] : 'MB_INVALID_CREDENTIALS'
}

const retry60 = (): Record<string, string> => ({ 'retry-after': '60' })

/** The fixed errors of §4.4. */
export const Errors = {
  /** A request Node could not parse (written to the socket by the server's client-error handler). */
  badRequest: () => itemsError('MB_BAD_REQUEST'),
  /** Headers over Node's limit (431, written to the socket like badRequest). */
  requestHeaderTooLarge: () => itemsError('MB_REQUEST_HEADER_TOO_LARGE'),
  /** An authenticator's refusal (§5): its status, reason and headers, the message of its reason. */
  refused: (status: number, reason: string, headers?: Record<string, string>) => {
    const code = refusalCode(reason)
    return new ItemsApiError(status, reason, REFUSAL_MESSAGES[reason] ?? itemsWire(code).message, { headers, code })
  },
  invalidJson: () => itemsError('MB_INVALID_JSON'),
  invalidBody: () => itemsError('MB_INVALID_BODY'),
  apiDisabled: () => itemsError('MB_API_DISABLED'),
  missingCapability: (capability: string) => itemsError('MB_MISSING_CAPABILITY', { capability }),
  noReadableType: () => itemsError('MB_NO_READABLE_TYPE'),
  routeNotFound: () => itemsError('MB_ROUTE_NOT_FOUND'),
  itemNotFound: () => itemsError('MB_ITEM_NOT_FOUND'),
  methodNotAllowed: (allow: string) => itemsError('MB_METHOD_NOT_ALLOWED', undefined, { headers: { allow } }),
  readOnlyType: (type: string) => itemsError('MB_READ_ONLY_TYPE', { type }, { headers: { allow: 'GET, HEAD, OPTIONS' } }),
  hasChildren: () => itemsError('MB_ITEM_HAS_CHILDREN'),
  preconditionFailed: (etag: string) => itemsError('MB_PRECONDITION_FAILED', undefined, { headers: { etag } }),
  payloadTooLarge: () => itemsError('MB_BODY_TOO_LARGE'),
  unsupportedMediaType: () => itemsError('MB_UNSUPPORTED_MEDIA_TYPE'),
  preconditionRequired: () => itemsError('MB_PRECONDITION_REQUIRED'),
  tooManyRequests: (retryAfterS: number) => itemsError('MB_RATE_LIMITED', undefined, { headers: { 'retry-after': String(retryAfterS) } }),
  serverError: () => itemsError('MB_INTERNAL'),
  maintenance: () => itemsError('MB_MAINTENANCE', undefined, { headers: retry60() }),
  unavailable: () => itemsError('MB_UNAVAILABLE', undefined, { headers: retry60() }),
  /** Many sites: the site is out of service for `retryAfterS` (its circuit breaker, src/sites/site-router.ts). */
  siteUnavailable: (retryAfterS: number) => itemsError('MB_SITE_UNAVAILABLE', { seconds: retryAfterS }, { headers: { 'retry-after': String(retryAfterS) } }),
  /** A Moodle table the API reads has gone (checked at start-up; the log names the table). */
  moodleTableMissing: () => itemsError('MB_MOODLE_TABLE_MISSING', undefined, { headers: retry60() }),
  unauthenticated: (reason: string) =>
    new ItemsApiError(401, reason, 'Unauthenticated.', { headers: { 'www-authenticate': 'Bearer realm="moodle-bridge"' }, code: refusalCode(reason) }),
}
