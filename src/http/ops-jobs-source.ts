/**
 * What the ops listener's jobs page and job metrics read, given by the service (src/http does not
 * query the store itself: only src/jobs knows the queue tables). Shapes match src/jobs' JobDetail
 * and JobCount; no payload is ever part of them (payloads may hold callback secrets or keys).
 * They are declared again here because src/http may not import src/jobs; src/service.ts hands
 * src/jobs' functions in, so the compiler checks that both shapes still agree.
 */

import { JOB_NAMES } from '../moopanel/index.ts'

/** Job states (moopanel-api.md §5.2), as src/jobs spells them. */
export type OpsJobState = 'queued' | 'running' | 'retry_wait' | 'reporting' | 'finished'

export const OPS_JOB_STATES: readonly OpsJobState[] = ['queued', 'running', 'retry_wait', 'reporting', 'finished']

/**
 * The stored type of MooPanel's callback deliveries (named in src/moopanel/jobs/job-names.ts). Its
 * result is `{"result":"accepted"}`, `"rejected"` or `"abandoned"` once it settled the job it reports.
 */
export const CALLBACK_JOB_TYPE = JOB_NAMES.callbackSend

/** One job as an operator sees it. */
export interface OpsJob {
  id: number
  type: string
  state: OpsJobState
  outcome: 'success' | 'failure' | null
  summary: string | null
  attempts: number
  maxAttempts: number
  createdAtMs: number
  updatedAtMs: number
  finishedAtMs: number | null
  runAfterMs: number
  leaseOwner: string | null
  leaseUntilMs: number | null
  steps: string[]
  requestId: string | null
}

export interface OpsJobCount {
  type: string
  state: OpsJobState
  outcome: 'success' | 'failure' | null
  count: number
}

/** The store's jobs, read-only. */
export interface OpsJobsSource {
  /** Newest first, at most `limit`. */
  list(filter: { states?: readonly OpsJobState[]; types?: readonly string[]; limit: number }): Promise<OpsJob[]>
  read(id: number): Promise<OpsJob | null>
  /** The callback jobs that deliver a job's result (none for jobs that do not report). */
  callbacksOf(id: number): Promise<OpsJob[]>
  /** What a finished job's `run` returned (JSON text), or null. */
  resultOf(id: number): Promise<string | null>
  /** All jobs by type, state and outcome (one grouped query). */
  counts(): Promise<OpsJobCount[]>
  /** Finished successful jobs of one type by result (one grouped query). */
  resultCounts(type: string): Promise<{ result: string | null; count: number }[]>
}

/** What a callback delivery settled as, from its result text: accepted, rejected or abandoned. */
export function callbackResultOf(result: string | null): 'accepted' | 'rejected' | 'abandoned' | null {
  if (result === null) return null
  try {
    const value = (JSON.parse(result) as { result?: unknown } | null)?.result
    return value === 'accepted' || value === 'rejected' || value === 'abandoned' ? value : null
  } catch {
    return null
  }
}
