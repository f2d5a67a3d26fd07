import {
  formatMessage,
  packageCodeOf,
  packageWire,
  type ErrorKind,
  type MessageParams,
  type PackageCode,
} from './error-catalogue.ts'

export type { ErrorKind } from './error-catalogue.ts'

export interface AppErrorOptions extends ErrorOptions {
  fields?: Record<string, string[]>
}

/**
 * An expected failure: domain code says what went wrong; each surface decides the wire form.
 * Built from a catalogue code (error-catalogue.ts): kind, domain `code` and message come from its
 * entry, the message's `<name>` parameters from `params`.
 */
export class AppError extends Error {
  override readonly name = 'AppError'
  readonly kind: ErrorKind
  /** The catalogue code (MB_…). */
  readonly errorCode: PackageCode
  /** The lower-case domain code of the entry (e.g. `zip_symlink`), what callers test. */
  readonly code: string
  readonly fields?: Record<string, string[]>

  constructor(errorCode: PackageCode, params?: MessageParams, options?: AppErrorOptions)
  /**
   * For subclasses that give kind, domain code and message themselves (PluginPackageError); the
   * domain code must be one of the catalogue's.
   */
  constructor(kind: ErrorKind, code: string, message: string, fields?: Record<string, string[]>, options?: ErrorOptions)
  constructor(
    first: PackageCode | ErrorKind,
    second?: MessageParams | string,
    third?: AppErrorOptions | string,
    fields?: Record<string, string[]>,
    options?: ErrorOptions,
  ) {
    if (typeof second === 'string') {
      super(third as string, options)
      const errorCode = packageCodeOf(second)
      if (errorCode === undefined) throw new TypeError(`AppError: ${second} is not a code of the error catalogue`)
      this.kind = first as ErrorKind
      this.code = second
      this.errorCode = errorCode
      if (fields) this.fields = fields
      return
    }
    const wire = packageWire(first as PackageCode)
    const opts = third as AppErrorOptions | undefined
    super(formatMessage(wire.message, second), opts?.cause === undefined ? undefined : { cause: opts.cause })
    this.kind = wire.kind
    this.code = wire.code
    this.errorCode = first as PackageCode
    if (opts?.fields) this.fields = opts.fields
  }
}
