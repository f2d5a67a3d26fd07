import pg from 'pg'
import type { JobWakeups } from './create-worker.ts'
import { silentLogger, type JobLogger } from './define-job.ts'
import { jobsChannel } from './jobs-channel.ts'

/** Options of `listenForJobs`. */
export interface ListenOptions {
  /** How to reach the store's PostgreSQL server (its own connection, outside every pool). */
  connection: pg.ClientConfig
  /** The store's table prefix: the channel is `<prefix>jobs` (jobs-channel.ts). */
  prefix: string
  log?: JobLogger
  /** Wait before reconnecting after a failure: `minMs` (default 500) doubling up to `maxMs` (default 30 000). */
  retry?: { minMs?: number; maxMs?: number }
}

/** A LISTEN connection handing out wake-ups; pass it to `createWorker` as `wakeups`. */
export interface JobListener extends JobWakeups {
  /** True while the connection listens. */
  readonly listening: boolean
  /** Resolves once the connection listens (the first time, or again after a reconnect). */
  whenListening(): Promise<void>
  /** Stops listening and closes the connection; no reconnect afterwards. */
  close(): Promise<void>
}

/**
 * Listens on the store's jobs channel (which `enqueueJobs` notifies on PostgreSQL with the site of
 * the new jobs) on ONE dedicated `pg.Client`, and calls the subscribers with the site. On an error
 * or a lost connection it reconnects with back-off; every (re)connection announces `null` ("any
 * site"), since notifications sent meanwhile were lost. Never throws after creation: failures are
 * logged and retried.
 */
export function listenForJobs(options: ListenOptions): JobListener {
  const log = options.log ?? silentLogger
  const channel = jobsChannel(options.prefix)
  const minMs = options.retry?.minMs ?? 500
  const maxMs = options.retry?.maxMs ?? 30_000
  const subscribers = new Set<(site: string | null) => void>()
  let current: pg.Client | null = null
  let listening = false
  let closed = false
  let delayMs = minMs
  let timer: NodeJS.Timeout | undefined
  let waiters: Array<() => void> = []

  const announce = (site: string | null) => {
    for (const subscriber of subscribers) {
      try {
        subscriber(site)
      } catch (error) {
        log.error({ err: error }, 'job wake-up subscriber failed')
      }
    }
  }

  /** The client failed or ended: forget it and try again later (once per client). */
  const drop = (client: pg.Client, error?: unknown) => {
    if (client !== current) return
    current = null
    listening = false
    client.end().catch(() => undefined)
    if (closed) return
    log.warn({ err: error, retryInMs: delayMs }, 'job notifications lost; reconnecting')
    timer = setTimeout(connect, delayMs)
    delayMs = Math.min(maxMs, delayMs * 2)
  }

  const connect = async () => {
    if (closed) return
    const client = new pg.Client({ keepAlive: true, ...options.connection })
    current = client
    client.on('error', (error) => drop(client, error))
    client.on('end', () => drop(client))
    client.on('notification', (message) => {
      if (message.channel === channel) announce(message.payload ?? '')
    })
    try {
      await client.connect()
      // The channel is a plain identifier (prefix checked by the configuration); quoted to keep its case.
      await client.query(`LISTEN "${channel.replaceAll('"', '""')}"`)
    } catch (error) {
      drop(client, error)
      return
    }
    if (client !== current) return
    listening = true
    delayMs = minMs
    for (const resolve of waiters) resolve()
    waiters = []
    announce(null)
  }

  void connect()

  return {
    subscribe(listener) {
      subscribers.add(listener)
      return () => subscribers.delete(listener)
    },
    get listening() {
      return listening
    },
    whenListening() {
      return listening ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))
    },
    async close() {
      closed = true
      clearTimeout(timer)
      const client = current
      current = null
      listening = false
      subscribers.clear()
      if (client) await client.end().catch(() => undefined)
    },
  }
}
