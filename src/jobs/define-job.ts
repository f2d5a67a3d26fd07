import { DEFAULT_BACKOFF, type Backoff } from './retry-delay.ts'

/** Structured logger a job receives (pino-compatible subset: data object first, constant message). */
export interface JobLogger {
  info(data: object, message: string): void
  warn(data: object, message: string): void
  error(data: object, message: string): void
  /** A logger that adds `bindings` to every record (pino's `child`); optional. */
  child?(bindings: object): JobLogger
}

/** A logger that drops everything (the default when a worker is given none). */
export const silentLogger: JobLogger = { info() {}, warn() {}, error() {} }

/** The claimed job as `run` sees it. */
export interface RunningJob {
  id: number
  type: string
  /** 1 on the first attempt; a re-claim after a crash or a retry increments it. */
  attempt: number
  maxAttempts: number
  requestId: string | null
  createdAtMs: number
}

/** What `run` receives. */
export interface JobContext<P> {
  job: RunningJob
  payload: P
  /** Renews the lease now (the worker also renews it on a timer); false when the lease was lost. */
  heartbeat(): Promise<boolean>
  log: JobLogger
  /** Aborted when the lease is lost, the job times out or the worker stops without waiting. */
  signal: AbortSignal
  /** The worker's clock, epoch milliseconds. */
  nowMs(): number
  /**
   * The job's journal of completed steps (moopanel-api.md §5.4 durability): kept in the job row
   * across attempts, so a job re-claimed after a crash resumes from its last recorded step.
   */
  journal: JobJournal
}

/** Completed steps of a job, by name; values are JSON. */
export interface JobJournal {
  get<T = unknown>(step: string): T | undefined
  /** Records a step durably before returning; throws when the lease was lost (the work must stop). */
  record(step: string, value: unknown): Promise<void>
}

/** How a job takes the site lock (moopanel-api.md §5.4). */
export type SiteLockMode = 'none' | 'shared' | 'exclusive'

/** Result of a successful `run`: stored as JSON in the job row. */
export type JobResult = Record<string, unknown>

/** A job type's engine settings: what `declareJob` takes (everything but the work itself). */
export interface JobOptions<P> {
  /** Stored in the database: stable, never renamed without a migration. */
  name: string
  /** Takes the site lock exclusively: at most one such job runs at a time (moopanel-api.md §5.4). */
  moodleChanging: boolean
  /**
   * For jobs that do not change Moodle: `shared` holds the site lock with other shared holders
   * (no Moodle-changing job runs meanwhile, and none waits for it); default `none`.
   */
  sharedLock?: boolean
  /**
   * False for jobs that never touch Moodle (callbacks): they run even while Moodle upgrades or is
   * in CLI maintenance (default true).
   */
  touchesMoodle?: boolean
  /** Attempts before a retryable failure becomes final (default 3). */
  maxAttempts?: number
  /** Wait between attempts when the error names none (default 1 s doubling, capped at 15 min). */
  backoff?: Backoff
  /** Aborts `run` and fails the attempt (not retried) after this long; none by default. */
  timeoutMs?: number
  /**
   * When true the job ends in `reporting` (outcome known, callback pending) instead of `finished`,
   * until `settleJob` is called (moopanel-api.md §5.2).
   */
  reports?: boolean
  /** Checks and types the stored payload; throws when it is malformed (the job then fails). */
  parsePayload?: (raw: unknown) => P
  /** The serial key of a requested job, from its payload: jobs with the same key run one after another. */
  serialKey?: (payload: P) => string
}

/** What the job receives when it fails for good (see `JobWork.onFailure`). */
export interface JobFailureContext<P> {
  job: RunningJob
  payload: P
  nowMs(): number
  log: JobLogger
}

/** The work of a job type: what `JobType.define` binds to the declared settings. */
export interface JobWork<P> {
  run(ctx: JobContext<P>): Promise<JobResult>
  /**
   * Called once when the job fails for good (an unexpected error, a timeout, a retryable error on
   * its last attempt, or a worker that died on the last attempt), before the failure is recorded:
   * a reporting job requests its failure callback here, so that it never waits for one forever
   * (moopanel-api.md §5.4: "a job that fails unexpectedly still ends in reporting with failure
   * values"). Errors are logged and do not change the ending.
   */
  onFailure?: (ctx: JobFailureContext<P>, summary: string) => Promise<void>
}

/** What `defineJob` takes: the settings and the work in one object. */
export interface JobDefinitionInput<P> extends JobOptions<P>, JobWork<P> {}

/** Options of one requested job besides its payload. */
export interface JobRequestOptions {
  requestId?: string
  runAfterMs?: number
  /** Overrides the key the type derives from the payload. */
  serialKey?: string
}

/**
 * A declared job type: its name, settings and request helper, usable without the dependencies
 * its work needs (an HTTP handler enqueues, a worker runs). `define` binds the work.
 */
export interface JobType<P> {
  readonly name: string
  /** A job to pass to `enqueueJobs`, carrying the type's settings. */
  readonly request: (payload: P, options?: JobRequestOptions) => NewJob
  /** The runnable definition: these settings with `work`. */
  define(work: JobWork<P>): JobDefinition<P>
}

/** A job type: its run function and execution settings. */
export interface JobDefinition<P = unknown> extends Required<Omit<JobDefinitionInput<P>, 'timeoutMs' | 'parsePayload' | 'sharedLock' | 'onFailure' | 'serialKey'>> {
  lockMode: SiteLockMode
  onFailure: JobWork<P>['onFailure'] | null
  timeoutMs: number | null
  parsePayload(raw: unknown): P
  /** A job to pass to `enqueueJobs`. */
  request(payload: P, options?: JobRequestOptions): NewJob
}

/** A job to enqueue; usually made by `definition.request(payload)`. */
export interface NewJob {
  type: string
  payload: unknown
  moodleChanging: boolean
  /** Holds the site lock shared (ignored for Moodle-changing jobs, which hold it exclusively). */
  sharedLock?: boolean
  /** Jobs with the same key never run at the same time; they start in id order (≤ 128 chars). */
  serialKey?: string
  maxAttempts: number
  requestId?: string
  /** Not before this epoch ms (default: at once). */
  runAfterMs?: number
}

/**
 * Declares a job type once: its name and engine settings (checked here), and the request helper
 * that every enqueuer uses, so that no caller repeats `moodleChanging` or `maxAttempts`.
 */
export function declareJob<P>(options: JobOptions<P>): JobType<P> {
  if (!/^[a-z][a-z0-9_.-]{0,63}$/.test(options.name)) throw new Error(`invalid job name: ${options.name}`)
  const maxAttempts = options.maxAttempts ?? 3
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error(`invalid maxAttempts for ${options.name}`)
  const request = (payload: P, requestOptions: JobRequestOptions = {}): NewJob => ({
    type: options.name,
    payload,
    moodleChanging: options.moodleChanging,
    ...(options.sharedLock ? { sharedLock: true } : {}),
    ...(options.serialKey ? { serialKey: options.serialKey(payload) } : {}),
    maxAttempts,
    ...requestOptions,
  })
  return {
    name: options.name,
    request,
    define: (work) => ({
      name: options.name,
      moodleChanging: options.moodleChanging,
      lockMode: options.moodleChanging ? 'exclusive' : options.sharedLock ? 'shared' : 'none',
      touchesMoodle: options.touchesMoodle ?? true,
      maxAttempts,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      timeoutMs: options.timeoutMs ?? null,
      reports: options.reports ?? false,
      parsePayload: options.parsePayload ?? ((raw) => raw as P),
      run: work.run,
      onFailure: work.onFailure ?? null,
      request,
    }),
  }
}

/** A job definition with defaults filled in; `run` must be idempotent (a retry may repeat work). */
export function defineJob<P>(input: JobDefinitionInput<P>): JobDefinition<P> {
  return declareJob(input).define(input)
}
