import type { FastifyServerOptions } from 'fastify'
import pinoPretty from 'pino-pretty'

/** How log records are written: JSON lines (machines), readable lines (people), or by the terminal. */
export type LogFormat = 'auto' | 'json' | 'pretty'

const REDACT = { paths: ['req.headers["x-api-key"]', 'req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' }

/**
 * The API server's pino options. `auto` writes readable lines when standard output is a terminal
 * and JSON lines otherwise (a pipe, journald, a file): what log collectors read stays JSON. Readable
 * lines are written synchronously to standard output by pino-pretty in this thread (no worker
 * thread, so nothing is lost on exit); every record keeps its fields, `reqId` included.
 */
export function loggerOptions(level: string, format: LogFormat = 'auto', isTty = process.stdout.isTTY === true): NonNullable<FastifyServerOptions['logger']> {
  const pretty = format === 'pretty' || (format === 'auto' && isTty)
  if (!pretty) return { level, redact: REDACT }
  const stream = pinoPretty({
    colorize: isTty,
    sync: true,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
    destination: 1,
  })
  return { level, redact: REDACT, stream }
}
