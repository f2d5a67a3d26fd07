import type { Store } from '../store/index.ts'
import { claimNextJob } from './claim-next-job.ts'
import type { JobRegistry } from './create-job-registry.ts'
import { silentLogger, type JobLogger } from './define-job.ts'
import { failUnknownJobs } from './fail-unknown-jobs.ts'
import { runClaimedJob, type Execution } from './run-claimed-job.ts'

/** Settings of a worker. */
export interface WorkerOptions {
  store: Store
  registry: JobRegistry
  /** Recorded as `lease_owner`: unique per worker (for example host, pid and a counter). */
  owner: string
  /** Jobs run at once by this worker (default 1). */
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
   * upgrades or is in CLI maintenance). Errors count as no hold.
   */
  gate?: () => Promise<{ hold: boolean; except?: string[] }>
  /**
   * What `start` does with waiting jobs whose stored type the registry does not define (it never
   * claims them): `report` logs an error per type (the default: other workers may run other
   * types), `fail` also ends them as failed, "Unknown job type: <type>." — for a worker whose
   * registry holds every type of its store (the service's).
   */
  unknownTypes?: 'report' | 'fail'
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

/** A worker that claims jobs of the registry's types and runs up to `concurrency` of them at once. */
export function createWorker(options: WorkerOptions): Worker {
  const concurrency = options.concurrency ?? 1
  const pollMs = options.pollMs ?? 1_000
  const leaseMs = options.leaseMs ?? 60_000
  const nowMs = options.nowMs ?? Date.now
  const log = options.log ?? silentLogger
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

  /** Resolves after `ms`, or earlier when a slot frees or the worker stops. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        wake = null
        resolve()
      }
      wake = done
    })

  const claimLoop = async () => {
    const allTypes = options.registry.names()
    const outsideMoodle = allTypes.filter((t) => options.registry.get(t)?.touchesMoodle === false)
    const typesNow = async () => {
      const gate = await options.gate?.().catch((error: unknown) => {
        log.warn({ err: error }, 'job gate check failed')
        return undefined
      })
      return gate?.hold ? [...outsideMoodle, ...(gate.except ?? []).filter((t) => allTypes.includes(t))] : allTypes
    }
    while (!stopping) {
      if (active.size >= concurrency) {
        await pause(pollMs)
        continue
      }
      let job
      try {
        const types = await typesNow()
        job = await claimNextJob(options.store, options.owner, { nowMs: nowMs(), leaseMs, types, allowMoodleChanging: options.allowMoodleChanging ?? true })
      } catch (error) {
        log.error({ err: error }, 'job claim failed')
        await pause(pollMs)
        continue
      }
      if (!job) {
        await pause(pollMs)
        continue
      }
      // claimNextJob only returns registered types.
      const execution = runClaimedJob(job, options.registry.get(job.type)!, deps)
      active.add(execution)
      void execution.done.finally(() => {
        active.delete(execution)
        wake?.()
      })
    }
  }

  /** Never throws: a failed check is logged and the worker claims as usual. */
  const checkUnknownTypes = async () => {
    try {
      await failUnknownJobs(options.store, options.registry.names(), { nowMs: nowMs(), log, fail: options.unknownTypes === 'fail' })
    } catch (error) {
      log.error({ err: error }, 'unknown job type check failed')
    }
  }

  return {
    start() {
      if (loop || stopping) return
      loop = checkUnknownTypes().then(claimLoop)
    },
    async stop({ timeoutMs = leaseMs } = {}) {
      stopping = true
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
