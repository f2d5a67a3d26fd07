/** The HTTP server that serves the APIs. */
export { buildServer, type ServerOptions } from './build-server.ts'
export { buildOpsServer, type OpsOptions } from './build-ops-server.ts'
export { loggerOptions, type LogFormat } from './logger-options.ts'
export { registerJobMetrics } from './ops-job-metrics.ts'
export type { OpsJobsSource } from './ops-jobs-source.ts'
