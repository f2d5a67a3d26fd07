/** Durable jobs (the queue itself arrives with issue #3; reads exist now for /tasks/check). */
export { findJob, listUnfinishedJobs, type JobSummary, type JobState } from './find-job.ts'
