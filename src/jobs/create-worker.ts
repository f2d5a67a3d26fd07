/**
 * The claim loop: a worker claims jobs and runs up to `concurrency` of them at once.
 *
 * Jobs across sites (issue #8; docs/sites.md "Jobs across sites"). With `allSites`, one worker
 * serves every site of a shared store. Before each claim it reads every site's queue in one
 * grouped query (list-site-queues.ts) and tries the sites in a fair order: those below the
 * per-site cap with runnable jobs, fewest running first (counted in the store, so across every
 * worker), then the site given a turn longest ago by this worker, then the oldest job. A site with
 * 500 queued jobs therefore delays another site's single job by at most the time until a slot
 * frees. Each try is the single-site claim on that site's view (`store.forSite`): the same
 * `SKIP LOCKED` transaction, the site's own lock row and serial keys (a Moodle-changing job of one
 * site never blocks another), and under `perSiteConcurrency` a count of the site's live-leased
 * running jobs made under its lock row, so the cap holds across workers. The job then runs with
 * the registry (and gate) that `allSites.run(site, work)` hands to `work`, inside that call (or
 * that `allSites.open(site)` returns): the caller opens, caches and keeps the site open meanwhile.
 * `concurrency` is the process's cap (PHP processes); a site whose `open` fails is skipped and
 * tried again after 1 s, doubling to 60 s.
 *
 * Waking. A worker polls every `pollMs` while idle. Given `wakeups` (listen-for-jobs.ts: PostgreSQL
 * LISTEN on the channel `enqueueJobs` notifies), it claims at once when a job is enqueued and
 * polls only every `safetyPollMs` (default 10 s) to catch what a notification cannot announce
 * (an expired lease, a lost connection; across sites, the worker also wakes when the next retry or
 * delayed job comes due, read with the queues): an idle worker then makes one query
 * (across sites) or one claim transaction (single site) per safety poll, whatever the number of
 * sites. A wake-up that arrives while the worker is busy claiming is kept for its next pause.
 */
import type { Store } from '../store/index.ts'
import { claimNextJob, type ClaimedJob } from './claim-next-job.ts'
import type { JobRegistry } from './create-job-registry.ts'
import { silentLogger, type JobLogger } from './define-job.ts'
import { failUnknownJobs } from './fail-unknown-jobs.ts'
import { fairSiteOrder, listSiteQueues } from './list-site-queues.ts'
import { runClaimedJob, type Execution } from './run-claimed-job.ts'

/** Asked before each claim of a site: while it answers `hold`, only jobs outside Moodle (and `except`) are claimed. */
export type JobGate = () => Promise<{ hold: boolean; except?: string[] }>

/** What a worker across sites needs of one site, from the caller. */
export interface SiteJobs {
  registry: JobRegistry
  gate?: JobGate
}

/** How a worker across sites reaches a site: `work` runs while the caller keeps the site open. */
export type AllSitesRun = (site: string, work: (jobs: SiteJobs) => Promise<void>) => Promise<void>

/** Notifications that jobs were enqueued: `site` names the site, null means "any" (e.g. after a reconnect). */
export interface JobWakeups {
  subscribe(listener: (site: string | null) => void): () => void
}

/** Settings of a worker. */
export interface WorkerOptions {
  /** The store; with `allSites`, any view of it (every site's jobs are claimed). */
  store: Store
  /** The job types run (required unless `allSites` is given, whose `open` supplies each site's). */
  registry?: JobRegistry
  /** Recorded as `lease_owner`: unique per worker (for example host, pid and a counter). */
  owner: string
  /** Jobs run at once by this worker (default 1); with `allSites`, the process's cap across sites. */
  concurrency?: number
  /** Wait between claims when nothing is runnable (default 1000). */
  pollMs?: number
  /** Lease length (default 60 000); renewed every `heartbeatMs` (default a third of it). */
  leaseMs?: number
  heartbeatMs?: number
  /** The clock, epoch ms (default `Date.now`). */
  nowMs?: () => number
  /** When false, Moodle-changing jobs are left to other workers (default true). */
  allowMoodleChanging?: boolean
  log?: JobLogger
  /** Jitter source (default `Math.random`). */
  random?: () => number
  /**
   * Asked before each claim: while it answers `hold`, only jobs that do not touch Moodle (and the
   * types it names in `except`) are claimed (moopanel-api.md §5.4: no job starts while Moodle
   * upgrades or is in CLI maintenance). Errors count as no hold. With `allSites`, each site's own.
   */
  gate?: JobGate
  /**
   * What `start` does with waiting jobs whose stored type the registry does not define (it never
   * claims them): `report` logs an error per type (the default: other workers may run other
   * types), `fail` also ends them as failed, "Unknown job type: <type>." — for a worker whose
   * registry holds every type of its store (the service's). With `allSites`, done for each site
   * when this worker first opens it.
   */
  unknownTypes?: 'report' | 'fail'
  /** Claim the jobs of every site of the store, fairly (see the top of this file). */
  allSites?: {
    /**
     * Runs `work` with the site's registry and gate, the site kept open until it resolves (a claim
     * attempt, and the job's whole run when one is claimed). Rejecting without calling `work`
     * means the site cannot be opened now. Called before each claim of the site: cheap once open.
     */
    run?: AllSitesRun
    /** The simpler form: the site's registry and gate (used when `run` is not given). */
    open?(site: string): Promise<SiteJobs>
    /** Running jobs per site across every worker of the store (default: no cap but `concurrency`). */
    perSiteConcurrency?: number
  }
  /** Wake-ups on enqueue (`listenForJobs`); polling then falls back to `safetyPollMs`. */
  wakeups?: JobWakeups
  /** The idle poll of a worker given `wakeups` (default 10 000). */
  safetyPollMs?: number
}

/** A running claim loop. */
export interface Worker {
  /** Starts claiming; calling it twice is a no-op. */
  start(): void
  /**
   * Stops claiming, then waits up to `timeoutMs` (default the lease length) for running jobs; jobs
   * still running after that are abandoned (their signal aborts, their leases expire and another
   * worker re-claims them).
   */
  stop(options?: { timeoutMs?: number }): Promise<void>
  /** Jobs executing now. */
  readonly activeCount: number
}

/** Sites tried per claim at most (the fair order rotates the others to the front of later claims). */
const MAX_SITES_PER_CLAIM = 8

/** A worker that claims jobs of the registry's types and runs up to `concurrency` of them at once. */
export function createWorker(options: WorkerOptions): Worker {
  if (!options.allSites && !options.registry) throw new Error('createWorker needs a registry or allSites')
  const concurrency = options.concurrency ?? 1
  const idleMs = options.wakeups ? (options.safetyPollMs ?? 10_000) : (options.pollMs ?? 1_000)
  const leaseMs = options.leaseMs ?? 60_000
  const nowMs = options.nowMs ?? Date.now
  const log = options.log ?? silentLogger
  const allowMoodleChanging = options.allowMoodleChanging ?? true
  const deps = {
    store: options.store,
    leaseMs,
    heartbeatMs: options.heartbeatMs ?? Math.max(1, Math.floor(leaseMs / 3)),
    nowMs,
    log,
    random: options.random ?? Math.random,
  }
  const active = new Set<Execution>()
  let loop: Promise<void> | null = null
  let stopping = false
  let wake: (() => void) | null = null
  let poked = false
  let unsubscribe: (() => void) | null = null

  /** Ends the current pause now, or the next one at once when none is under way. */
  const poke = () => {
    if (wake) wake()
    else poked = true
  }

  /** Resolves after `ms`, or earlier when a slot frees, a job is announced or the worker stops. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (poked || stopping) {
        poked = false
        resolve()
        return
      }
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        wake = null
        resolve()
      }
      wake = done
    })

  /** The types a registry's worker may claim now, as its gate allows. */
  const typesNow = async (registry: JobRegistry, gate: JobGate | undefined) => {
    const allTypes = registry.names()
    const state = await gate?.().catch((error: unknown) => {
      log.warn({ err: error }, 'job gate check failed')
      return undefined
    })
    if (!state?.hold) return allTypes
    const outsideMoodle = allTypes.filter((t) => registry.get(t)?.touchesMoodle === false)
    return [...outsideMoodle, ...(state.except ?? []).filter((t) => allTypes.includes(t))]
  }

  /** Starts a claimed job's execution, counted against `concurrency` until it ends. */
  const execute = (job: ClaimedJob, registry: JobRegistry, store: Store): Execution => {
    // claimNextJob only returns types of the registry it was given.
    const execution = runClaimedJob(job, registry.get(job.type)!, { ...deps, store })
    active.add(execution)
    void execution.done.finally(() => {
      active.delete(execution)
      poke()
    })
    return execution
  }

  const claimHere = async (): Promise<boolean> => {
    const registry = options.registry!
    const types = await typesNow(registry, options.gate)
    const job = await claimNextJob(options.store, options.owner, { nowMs: nowMs(), leaseMs, types, allowMoodleChanging })
    if (job) execute(job, registry, options.store)
    return job !== null
  }

  const sites = options.allSites ? siteClaimer(options, { log, typesNow, nowMs, leaseMs, execute }) : null

  const claimLoop = async () => {
    while (!stopping) {
      if (active.size >= concurrency) {
        await pause(idleMs)
        continue
      }
      let claimed: boolean
      try {
        claimed = sites ? await sites.claim() : await claimHere()
      } catch (error) {
        log.error({ err: error }, 'job claim failed')
        await pause(idleMs)
        continue
      }
      if (!claimed) await pause(sites ? sites.idleWaitMs(idleMs) : idleMs)
    }
  }

  /** Never throws: a failed check is logged and the worker claims as usual. */
  const checkUnknownTypes = async () => {
    if (!options.registry || options.allSites) return
    try {
      await failUnknownJobs(options.store, options.registry.names(), { nowMs: nowMs(), log, fail: options.unknownTypes === 'fail' })
    } catch (error) {
      log.error({ err: error }, 'unknown job type check failed')
    }
  }

  return {
    start() {
      if (loop || stopping) return
      const site = options.store.site
      // A single-site worker wakes for its own site only; a worker across sites for any.
      unsubscribe = options.wakeups?.subscribe((announced) => {
        if (options.allSites || announced === null || announced === site) poke()
      }) ?? null
      loop = checkUnknownTypes().then(claimLoop)
    },
    async stop({ timeoutMs = leaseMs } = {}) {
      stopping = true
      unsubscribe?.()
      wake?.()
      await loop
      if (active.size > 0) {
        let timer: NodeJS.Timeout | undefined
        await Promise.race([
          Promise.allSettled([...active].map((e) => e.done)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
        ])
        clearTimeout(timer)
      }
      for (const execution of active) execution.abandon()
      active.clear()
    },
    get activeCount() {
      return active.size
    },
  }
}

/** What the fair claimer needs of its worker. */
interface ClaimerDeps {
  log: JobLogger
  typesNow: (registry: JobRegistry, gate: JobGate | undefined) => Promise<string[]>
  nowMs: () => number
  leaseMs: number
  execute: (job: ClaimedJob, registry: JobRegistry, store: Store) => Execution
}

/** A claim error, told apart from a site that could not be opened. */
class ClaimError extends Error {
  constructor(readonly error: unknown) {
    super('job claim failed')
  }
}

/** The fair claim across the sites of one store (see the top of this file). */
function siteClaimer(options: WorkerOptions, { log, typesNow, nowMs, leaseMs, execute }: ClaimerDeps) {
  const allSites = options.allSites!
  const runAt: AllSitesRun =
    allSites.run ??
    (async (site, work) => {
      if (!allSites.open) throw new Error('allSites needs open or run')
      return work(await allSites.open(site))
    })
  const lastTurn = new Map<string, number>()
  const checked = new Set<string>()
  const openFailures = new Map<string, { untilMs: number; delayMs: number }>()
  let turn = 0
  let nextDueMs: number | null = null

  /** Claims a job of the site and starts it inside the caller's `run` (which keeps the site open until it ends). */
  const claimAt = (site: string): Promise<boolean> =>
    new Promise<boolean>((resolve, reject) => {
      let settled = false
      const settle = (claimed: boolean) => {
        settled = true
        resolve(claimed)
      }
      const store = options.store.forSite(site)
      runAt(site, async (jobs) => {
        openFailures.delete(site)
        let job: ClaimedJob | null
        try {
          if (!checked.has(site)) {
            checked.add(site)
            await failUnknownJobs(store, jobs.registry.names(), { nowMs: nowMs(), log, fail: options.unknownTypes === 'fail' }).catch((error: unknown) =>
              log.error({ err: error, site }, 'unknown job type check failed'),
            )
          }
          const types = await typesNow(jobs.registry, jobs.gate)
          job = await claimNextJob(store, options.owner, {
            nowMs: nowMs(),
            leaseMs,
            types,
            allowMoodleChanging: options.allowMoodleChanging ?? true,
            ...(allSites.perSiteConcurrency === undefined ? {} : { maxRunning: allSites.perSiteConcurrency }),
          })
        } catch (error) {
          throw new ClaimError(error)
        }
        if (!job) return settle(false)
        const execution = execute(job, jobs.registry, store)
        settle(true)
        await execution.done
      }).then(
        () => settled || settle(false),
        (error: unknown) => {
          if (settled) return log.error({ err: error, site }, 'site job run failed')
          settled = true
          if (error instanceof ClaimError) return reject(error.error)
          const failure = openFailures.get(site)
          const delayMs = Math.min(60_000, failure ? failure.delayMs * 2 : 1_000)
          openFailures.set(site, { untilMs: nowMs() + delayMs, delayMs })
          log.warn({ err: error, site, retryInMs: delayMs }, 'site of queued jobs could not be opened')
          resolve(false)
        },
      )
    })

  return {
    /** The idle pause after a claim found nothing: shortened to when the next waiting job comes due. */
    idleWaitMs(idleMs: number): number {
      return nextDueMs === null ? idleMs : Math.max(1, Math.min(idleMs, nextDueMs - nowMs()))
    },
    async claim(): Promise<boolean> {
      const at = nowMs()
      const queues = await listSiteQueues(options.store, at)
      nextDueMs = queues.reduce<number | null>((min, q) => (q.nextDueMs !== null && (min === null || q.nextDueMs < min) ? q.nextDueMs : min), null)
      const order = fairSiteOrder(queues, lastTurn, allSites.perSiteConcurrency).filter((q) => (openFailures.get(q.site)?.untilMs ?? 0) <= at)
      for (const queue of order.slice(0, MAX_SITES_PER_CLAIM)) {
        lastTurn.set(queue.site, ++turn)
        if (await claimAt(queue.site)) return true
      }
      return false
    },
  }
}
