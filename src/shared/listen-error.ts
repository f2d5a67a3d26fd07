/** The service's two listeners: the APIs and the operations listener (health, readiness, metrics). */
export type ListenerName = 'api' | 'ops'

/** Why a bind failed, in words, for the error codes Node gives. */
const REASONS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this machine',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name could not be resolved (temporary DNS failure)',
  EAI_NODATA: 'host name has no address',
  EAI_NONAME: 'host name not found',
  EAFNOSUPPORT: 'address family not supported on this machine',
  EINVAL: 'invalid address',
}

/**
 * A listener could not bind its address: port taken, no permission, an address the machine does
 * not have, or a host name that does not resolve. An expected start-up failure, not a bug.
 */
export class ListenError extends Error {
  override readonly name = 'ListenError'
  constructor(
    readonly listener: ListenerName,
    /** `host:port` as configured (IPv6 hosts in brackets). */
    readonly address: string,
    /** Node's error code, e.g. `EADDRINUSE`. */
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(`cannot listen on ${address}: ${REASONS[code] ?? code}`, options)
  }

  /** The reason in words (`address already in use`). */
  get reason(): string {
    return REASONS[this.code] ?? (this.cause instanceof Error ? this.cause.message : this.code)
  }
}

/** `host:port`, with an IPv6 host in brackets. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

/** Runs `start` (a listen call); a bind failure becomes a `ListenError` naming the listener. */
export async function bindListener<T>(listener: ListenerName, host: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start()
  } catch (error) {
    const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown }
    const bindFailure = typeof code === 'string' && (code in REASONS || syscall === 'listen' || syscall === 'bind' || syscall === 'getaddrinfo')
    if (!bindFailure) throw error
    throw new ListenError(listener, formatAddress(host, port), code, { cause: error })
  }
}
