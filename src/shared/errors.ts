/** What went wrong, independent of how a surface renders it. */
export type ErrorKind =
  | 'invalid_input'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'disabled'
  | 'unavailable'
  | 'not_implemented'

/** An expected failure: domain code says what went wrong; each surface decides the wire form. */
export class AppError extends Error {
  override readonly name = 'AppError'
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string[]>,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}
