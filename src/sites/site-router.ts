import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SitesChange } from './diff-sites.ts'
import { SiteResolver } from './resolve-site.ts'
import type { SiteEntry, SitesPlan } from './sites-file.ts'

/** A site's request handler once opened (its databases, caches and routes of its own). */
export interface SiteApp {
  /** Serves one request; `req.url` has already been rewritten to the path below the site's prefix. */
  handle(req: IncomingMessage, res: ServerResponse): void
  close(): Promise<void>
  /** True while the site has work of its own (e.g. unfinished jobs): it is not closed for idleness then. */
  busy?(): Promise<boolean>
}

export interface SiteRouterOptions<A extends SiteApp = SiteApp> {
  readonly plan: SitesPlan
  /**
   * Opens a site (lazily, on its first request); a rejection marks the site broken for a while.
   * `hooks.unavailable` is for the open app to report that the site stopped working (its database
   * cannot be reached): the site is then out of service for its back-off, like a failed open.
   */
  readonly open: (site: SiteEntry, hooks: SiteHooks) => Promise<A>
  /** Whether `X-Forwarded-Host` may be used for this peer address. */
  readonly trustedProxy: (remoteAddress: string) => boolean
  /** The error body for a path (each API has its own shape). */
  readonly renderError: (path: string, status: 404 | 503, retryAfterS?: number) => { contentType: string; body: string }
  /** A site unused this long, with no request in flight, is closed (its pools with it); 0: never. */
  readonly idleCloseMs?: number
  /**
   * At most this many sites open at once (0: no cap): opening one more first closes the least
   * recently used open site with nothing in flight and no work of its own; when every open site is
   * busy, the new one opens anyway (a request is never refused for the cap) and the count is back
   * under the cap once one becomes idle. Bounds the open database pools, hence connections.
   */
  readonly maxOpen?: number
  /** First wait after a failed open; doubles up to `maxBackoffMs`. */
  readonly backoffMs?: number
  readonly maxBackoffMs?: number
  readonly nowMs?: () => number
  readonly onEvent?: (event: SiteEvent) => void
}

/** What an open site may report to the router. */
export interface SiteHooks {
  /** The site stopped working: it is out of service for its back-off; answers the seconds until it is tried again. */
  unavailable(error: unknown): number
}

type CloseReason = 'idle' | 'removed' | 'changed' | 'shutdown' | 'cap' | 'unavailable'

export type SiteEvent =
  | { type: 'opened'; site: string; ms: number }
  | { type: 'open_failed'; site: string; error: string; retryInMs: number }
  | { type: 'unavailable'; site: string; error: string; retryInMs: number }
  | { type: 'closed'; site: string; reason: CloseReason }

/** What operators see per site (`sites list`). */
export interface SiteStatus {
  readonly id: string
  readonly state: 'closed' | 'opening' | 'open' | 'broken'
  readonly lastError: string | null
  readonly retryAt: number | null
  readonly inFlight: number
}

interface Slot<A extends SiteApp> {
  site: SiteEntry
  app: A | null
  opening: Promise<A> | null
  failures: number
  retryAt: number
  lastError: string | null
  inFlight: number
  lastUsed: number
  retired: boolean
  /** Called when the last request in flight ends. */
  drained: Array<() => void>
}

/**
 * Serves many sites from one listener: each request goes to its site (by host and prefix); sites
 * open on their first request and close after an idle time; a site that fails to open, or whose
 * open app reports that it stopped working (its database went away), answers 503 for itself only
 * and is retried with a doubling back-off (a circuit breaker), while every other site keeps
 * serving. The back-off is reset by the first request the site answers below 500. A new plan takes effect without dropping a request: requests in
 * flight finish on the app they started on, which is closed once they are done.
 */
export class SiteRouter<A extends SiteApp = SiteApp> {
  private resolver: SiteResolver
  private readonly slots = new Map<string, Slot<A>>()
  private readonly now: () => number
  private readonly sweep: NodeJS.Timeout | undefined
  private closing = false

  constructor(private readonly options: SiteRouterOptions<A>) {
    this.now = options.nowMs ?? Date.now
    this.resolver = new SiteResolver(options.plan)
    for (const site of options.plan.sites) this.slots.set(site.id, this.newSlot(site))
    const idle = options.idleCloseMs ?? 0
    if (idle > 0) {
      this.sweep = setInterval(() => this.closeIdle(idle), Math.min(idle, 10_000))
      this.sweep.unref()
    }
  }

  /** The request handler for `http.createServer`. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    const forwarded = req.headers['x-forwarded-host']
    const resolved = this.closing
      ? null
      : this.resolver.resolve({
          host: req.headers.host,
          forwardedHost: Array.isArray(forwarded) ? forwarded[0] : forwarded,
          fromTrustedProxy: this.options.trustedProxy(req.socket.remoteAddress ?? ''),
          path,
        })
    const slot = resolved ? this.slots.get(resolved.site.id) : undefined
    if (!resolved || !slot) return this.reject(res, path, 404)
    req.url = resolved.path + (q === -1 ? '' : url.slice(q))
    slot.lastUsed = this.now()
    if (slot.app) return this.serve(slot, slot.app, req, res)
    if (!slot.opening && this.now() < slot.retryAt) return this.reject(res, resolved.path, 503, Math.ceil((slot.retryAt - this.now()) / 1000))
    slot.inFlight++ // counted while it waits, so an idle sweep does not close what it waits for
    this.openSlot(slot).then(
      (app) => {
        slot.inFlight--
        this.serve(slot, app, req, res)
      },
      () => {
        slot.inFlight--
        this.reject(res, resolved.path, 503, Math.max(1, Math.ceil((slot.retryAt - this.now()) / 1000)))
      },
    )
  }

  /** Applies a new plan: removed and changed sites close once their requests are done; added ones open on use. */
  async apply(plan: SitesPlan, change: SitesChange): Promise<void> {
    const retiring: Promise<void>[] = []
    for (const site of change.removed) retiring.push(this.retire(site.id, 'removed'))
    for (const { before } of change.changed) retiring.push(this.retire(before.id, 'changed'))
    for (const site of [...change.added, ...change.changed.map((c) => c.after)]) this.slots.set(site.id, this.newSlot(site))
    for (const site of change.unchanged) {
      const slot = this.slots.get(site.id)
      if (slot) slot.site = site
    }
    this.resolver = new SiteResolver(plan)
    await Promise.all(retiring)
  }

  /**
   * Runs `work` with the site open (opening it when closed), counted as in flight meanwhile so it is
   * not closed for idleness or the cap under it. Rejects when the site is unknown, retired or cannot
   * be opened (its back-off applies as for requests).
   */
  async use<T>(id: string, work: (app: A) => Promise<T>): Promise<T> {
    const slot = this.slots.get(id)
    if (!slot || this.closing) throw new Error(`site ${id} is not in the sites file`)
    slot.inFlight++
    try {
      if (!slot.app && !slot.opening && this.now() < slot.retryAt) throw new Error(`site ${id} is unavailable: ${slot.lastError ?? 'opening failed'}`)
      const app = slot.app ?? (await this.openSlot(slot))
      slot.lastUsed = this.now()
      return await work(app)
    } finally {
      slot.inFlight--
      slot.lastUsed = this.now()
      if (slot.inFlight === 0) for (const resolve of slot.drained.splice(0)) resolve()
    }
  }

  status(): SiteStatus[] {
    return [...this.slots.values()].map((s) => ({
      id: s.site.id,
      state: s.app ? 'open' : s.opening ? 'opening' : s.retryAt > this.now() ? 'broken' : 'closed',
      lastError: s.lastError,
      retryAt: s.retryAt > this.now() ? s.retryAt : null,
      inFlight: s.inFlight,
    }))
  }

  /** Stops routing and closes every open site once its requests are done. */
  async close(): Promise<void> {
    this.closing = true
    if (this.sweep) clearInterval(this.sweep)
    await Promise.all([...this.slots.keys()].map((id) => this.retire(id, 'shutdown')))
  }

  private newSlot(site: SiteEntry): Slot<A> {
    return { site, app: null, opening: null, failures: 0, retryAt: 0, lastError: null, inFlight: 0, lastUsed: this.now(), retired: false, drained: [] }
  }

  private openSlot(slot: Slot<A>): Promise<A> {
    if (slot.opening) return slot.opening
    this.makeRoom()
    const started = this.now()
    const hooks: SiteHooks = { unavailable: (error) => this.trip(slot, opened, error) }
    let opened: A | null = null
    slot.opening = this.options.open(slot.site, hooks).then(
      (app) => {
        // Opened for requests that were waiting: they are served even if the site was retired
        // meanwhile (retire() waits for them, then closes this app). `failures` stays until a
        // request succeeds: a site that opens but fails at once backs off further.
        opened = app
        slot.opening = null
        slot.app = app
        slot.retryAt = 0
        slot.lastError = null
        this.options.onEvent?.({ type: 'opened', site: slot.site.id, ms: this.now() - started })
        return app
      },
      (error: unknown) => {
        slot.opening = null
        const wait = this.backOff(slot, error)
        this.options.onEvent?.({ type: 'open_failed', site: slot.site.id, error: slot.lastError ?? '', retryInMs: wait })
        throw error
      },
    )
    return slot.opening
  }

  /** One more failure: the site is out of service for a doubling wait (ms). */
  private backOff(slot: Slot<A>, error: unknown): number {
    slot.failures++
    const wait = Math.min((this.options.backoffMs ?? 1000) * 2 ** (slot.failures - 1), this.options.maxBackoffMs ?? 60_000)
    slot.retryAt = this.now() + wait
    slot.lastError = error instanceof Error ? error.message : String(error)
    return wait
  }

  /**
   * The open app `app` reports that its site stopped working: out of routing at once (requests
   * answer 503 until the back-off ends, then the site is opened anew), closed once its requests in
   * flight are done. Reports from an app already taken out count once. Answers the seconds to wait.
   */
  private trip(slot: Slot<A>, app: A | null, error: unknown): number {
    const seconds = () => Math.max(1, Math.ceil((slot.retryAt - this.now()) / 1000))
    if (app === null || slot.app !== app || slot.retired) return seconds()
    const wait = this.backOff(slot, error)
    this.options.onEvent?.({ type: 'unavailable', site: slot.site.id, error: slot.lastError ?? '', retryInMs: wait })
    void this.retire(slot.site.id, 'unavailable')
    return seconds()
  }

  private serve(slot: Slot<A>, app: A, req: IncomingMessage, res: ServerResponse): void {
    slot.inFlight++
    let done = false
    const finish = () => {
      if (done) return
      done = true
      slot.inFlight--
      slot.lastUsed = this.now()
      if (slot.inFlight === 0) for (const resolve of slot.drained.splice(0)) resolve()
    }
    res.once('finish', () => {
      if (res.statusCode < 500) slot.failures = 0 // working again: the next failure waits the first back-off
      finish()
    })
    res.once('close', finish)
    app.handle(req, res)
  }

  private reject(res: ServerResponse, path: string, status: 404 | 503, retryAfterS?: number): void {
    const { contentType, body } = this.options.renderError(path, status, retryAfterS)
    const headers: Record<string, string> = { 'content-type': contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }
    if (retryAfterS !== undefined) headers['retry-after'] = String(retryAfterS)
    res.writeHead(status, headers).end(body)
  }

  /** Takes a slot out of routing; its app closes once no request of it is in flight. */
  private async retire(id: string, reason: CloseReason): Promise<void> {
    const slot = this.slots.get(id)
    if (!slot) return
    if (reason !== 'idle' && reason !== 'cap' && reason !== 'unavailable') {
      slot.retired = true
      this.slots.delete(id)
    }
    const opening = slot.opening
    if (opening) await opening.catch(() => undefined)
    const app = slot.app
    if (!app) return
    if (reason === 'idle' || reason === 'cap') slot.app = null // the next request opens it again
    else {
      if (reason === 'unavailable') slot.app = null // out of routing now; its requests in flight finish on it
      if (slot.inFlight > 0) await new Promise<void>((resolve) => slot.drained.push(resolve))
    }
    if (slot.app === app) slot.app = null
    await app.close().catch(() => undefined)
    this.options.onEvent?.({ type: 'closed', site: id, reason })
  }

  /** Under `maxOpen`: closes the least recently used open site with nothing in flight, if one is needed. */
  private makeRoom(): void {
    const cap = this.options.maxOpen ?? 0
    if (cap <= 0) return
    const open = [...this.slots.values()].filter((s) => s.app || s.opening)
    if (open.length < cap) return
    const idle = open.filter((s) => s.app && s.inFlight === 0).sort((a, b) => a.lastUsed - b.lastUsed)
    // Closing is asynchronous; the slot stops counting as open at once (retire clears `app` first).
    for (const slot of idle.slice(0, open.length - cap + 1)) void this.retire(slot.site.id, 'cap')
  }

  private closeIdle(idleMs: number): void {
    const now = this.now()
    for (const slot of this.slots.values()) {
      const app = slot.app
      if (!app || slot.inFlight > 0 || now - slot.lastUsed < idleMs) continue
      void (app.busy?.() ?? Promise.resolve(false)).then(
        (busy) => {
          // Still the same idle app once the answer came back?
          if (!busy && slot.app === app && slot.inFlight === 0 && this.now() - slot.lastUsed >= idleMs) void this.retire(slot.site.id, 'idle')
        },
        () => undefined, // cannot tell: keep it open
      )
    }
  }
}
