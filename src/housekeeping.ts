import type { FastifyBaseLogger } from 'fastify'
import { purgeFinishedJobs } from './jobs/index.ts'
import { pruneRollbackFolders } from './moodle/index.ts'
import { purgeAudit, type Store } from './store/index.ts'

const HOUR_MS = 3_600_000

/**
 * Hourly retention work: finished jobs older than `job_retention_days`, audit records older than
 * `audit_retention_days` and code rollback folders older than `rollback_retention_days` are deleted. The timer never keeps the process alive; returns a stop
 * function.
 */
export function startHousekeeping(
  store: Store,
  options: {
    jobRetentionDays: number
    auditRetentionDays: number
    /** The code staging area and how long its rollback folders are kept. */
    rollback: { stagingDir: string; retentionDays: number }
    nowMs: () => number
    log: FastifyBaseLogger
  },
): () => void {
  const run = async () => {
    try {
      const nowMs = options.nowMs()
      const jobs = await purgeFinishedJobs(store, { retentionDays: options.jobRetentionDays, nowMs })
      const audit = await purgeAudit(store, { retentionDays: options.auditRetentionDays, nowMs })
      const rollbacks = await pruneRollbackFolders(options.rollback.stagingDir, { retentionDays: options.rollback.retentionDays, nowMs })
      if (jobs + audit + rollbacks > 0) options.log.info({ jobs, audit, rollbacks }, 'retention purge')
    } catch (error) {
      options.log.warn({ err: error }, 'retention purge failed')
    }
  }
  const first = setTimeout(run, 60_000)
  const timer = setInterval(run, HOUR_MS)
  first.unref()
  timer.unref()
  return () => {
    clearTimeout(first)
    clearInterval(timer)
  }
}
