/**
 * Durable jobs: a generic engine with no Moodle knowledge (guide/architecture.md "Asynchronous
 * work"; moopanel-api.md §5). Jobs live in the service's store (`<prefix>jobs`, tables this module
 * owns: types in queue-tables.ts, migration in migrate-queue-tables.ts), are claimed under
 * a lease with `SELECT … FOR UPDATE SKIP LOCKED`, run by workers that renew the lease while `run`
 * works, retried with exponential backoff and jitter, and ordered by a site lock (`<prefix>locks`)
 * so that at most one Moodle-changing job runs at a time across processes. `enqueueJobs` writes the
 * jobs and their idempotency record (`<prefix>idempotency`) in one transaction. Every row carries
 * its site and every function reads the store view's (`store.site`); one worker may claim fairly
 * across the sites of a shared store and wake on PostgreSQL LISTEN/NOTIFY (create-worker.ts,
 * listen-for-jobs.ts; docs/sites.md "Jobs across sites").
 *
 * Why our own engine: the store may be PostgreSQL, MySQL/MariaDB (Moodle's own database) or the
 * embedded PGlite, and one engine must serve all three. The maintained Node queues each cover only
 * part of that: graphile-worker and pg-boss are PostgreSQL-only (and rely on LISTEN/NOTIFY,
 * PostgreSQL functions and their own schemas, which a MySQL/MariaDB site cannot offer), while bullmq
 * and bee-queue need Redis, a server this service must not require. None combines SKIP LOCKED
 * leases with a cross-process lock row and an idempotency record written in the same transaction
 * as the jobs; the engine needed for that is a few hundred lines of portable SQL through Kysely.
 */
export {
  cancelQueuedJob,
  countJobsChangePending,
  countUnfinishedJobs,
  countUnfinishedMoodleChangingJobs,
  findJob,
  listUnfinishedJobs,
  type JobSummary,
  type JobState,
} from './find-job.ts'
export {
  declareJob,
  defineJob,
  silentLogger,
  type JobContext,
  type JobDefinition,
  type JobDefinitionInput,
  type JobFailureContext,
  type JobLogger,
  type JobOptions,
  type JobRequestOptions,
  type JobResult,
  type JobType,
  type JobWork,
  type NewJob,
  type RunningJob,
} from './define-job.ts'
export { createJobRegistry, type JobRegistry } from './create-job-registry.ts'
export { isJobState, listJobs, readJob, type JobDetail } from './inspect-jobs.ts'
export { countJobResults, countJobs, type JobCount } from './count-jobs.ts'
export { CANCELLED_SUMMARY, requestJobCancel, retryJobNow, type OperatorOutcome } from './operator-actions.ts'
export { RetryableError } from './retryable-error.ts'
export { retryDelayMs, DEFAULT_BACKOFF, type Backoff } from './retry-delay.ts'
export { enqueueJobs, type EnqueueOptions, type EnqueueResult } from './enqueue-jobs.ts'
export { findIdempotentJobs, findReplay, idempotencyKeyHash, recordedJobIds, DEFAULT_IDEMPOTENCY_WINDOW_S } from './find-idempotent-jobs.ts'
export { claimNextJob, type ClaimedJob, type ClaimOptions, type JobLease } from './claim-next-job.ts'
export { renewLease } from './renew-lease.ts'
export { completeJob } from './complete-job.ts'
export { failJob } from './fail-job.ts'
export { retryJob } from './retry-job.ts'
export { settleJob } from './settle-job.ts'
export { purgeFinishedJobs } from './purge-finished-jobs.ts'
export { createWorker, type AllSitesRun, type JobGate, type JobWakeups, type SiteJobs, type Worker, type WorkerOptions } from './create-worker.ts'
export { listenForJobs, type JobListener, type ListenOptions } from './listen-for-jobs.ts'
export { jobsChannel } from './jobs-channel.ts'
export { listSiteQueues, type SiteQueue } from './list-site-queues.ts'
export { failUnknownJobs, unknownTypeSummary, type UnknownJobs } from './fail-unknown-jobs.ts'
export { listUnfinishedPayloads, type UnfinishedPayload } from './list-unfinished-payloads.ts'
// Loading the engine registers its tables with the store (openStore creates them).
export { migrateQueueTables } from './migrate-queue-tables.ts'
export type { QueueTables } from './queue-tables.ts'
