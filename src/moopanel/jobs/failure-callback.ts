import type { JobWork, RunningJob } from '../../jobs/index.ts'
import type { CallbackKind } from '../callbacks/callback-urls.ts'
import type { MoopanelJobDeps } from './job-deps.ts'
import { requestCallback } from './send-callback.ts'

/** What the failure callback of one job says: the instance to call, the body, the job's summary. */
export interface FailureReport {
  instanceId: number
  /** Serialised as JSON, exactly as the success path serialises its body. */
  body: object
  /** Recorded on the job when the callback settles it (`/tasks/check` `error`). */
  summary: string
}

/**
 * The `onFailure` of a reporting job that tells its outcome by callback: when the job fails for
 * good (an unexpected error, a timeout, a dead worker on the last attempt), the callback of `kind`
 * with the failure values `report` builds is queued once, so the job never waits in `reporting`
 * for a callback that would not come (moopanel-api.md §5.4). `summary` is the engine's summary.
 */
export function failureCallback<P>(
  deps: MoopanelJobDeps,
  kind: CallbackKind,
  report: (payload: P, job: RunningJob, summary: string) => FailureReport,
): NonNullable<JobWork<P>['onFailure']> {
  return async ({ job, payload, nowMs }, summary) => {
    const failure = report(payload, job, summary)
    await requestCallback(
      deps,
      { kind, instanceId: failure.instanceId, body: JSON.stringify(failure.body), jobId: job.id, outcome: 'failure', summary: failure.summary },
      nowMs(),
    )
  }
}
