import { Gauge, type Registry } from 'prom-client'
import { CALLBACK_JOB_TYPE, OPS_JOB_STATES, callbackResultOf, type OpsJobCount, type OpsJobsSource } from './ops-jobs-source.ts'

/** The outcomes of `moodle_bridge_callback_deliveries`, always all present (0 when none). */
const DELIVERY_OUTCOMES = ['pending', 'retrying', 'accepted', 'rejected', 'abandoned', 'failed'] as const
type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number]

/**
 * Job metrics counted from the store at scrape time (so every process, worker or not, reports the
 * same queue): `moodle_bridge_jobs{type,state}` and `moodle_bridge_callback_deliveries{outcome}`
 * over the jobs still kept (`job_retention_days`). A store that does not answer leaves both
 * gauges empty for that scrape instead of failing `/metrics`.
 */
export function registerJobMetrics(registry: Registry, source: OpsJobsSource): void {
  // Both gauges are collected in the same scrape: they share one grouped count.
  let inflight: Promise<OpsJobCount[]> | null = null
  const counts = () => (inflight ??= source.counts().finally(() => (inflight = null)))

  new Gauge({
    name: 'moodle_bridge_jobs',
    help: 'Jobs in the store by type and state (counted at scrape time)',
    labelNames: ['type', 'state'],
    registers: [registry],
    async collect() {
      this.reset()
      const rows = await counts().catch(() => null)
      if (!rows) return
      const byType = new Map<string, Map<string, number>>()
      for (const row of rows) {
        const states = byType.get(row.type) ?? new Map(OPS_JOB_STATES.map((s) => [s, 0]))
        states.set(row.state, (states.get(row.state) ?? 0) + row.count)
        byType.set(row.type, states)
      }
      for (const [type, states] of byType) for (const [state, n] of states) this.set({ type, state }, n)
    },
  })

  new Gauge({
    name: 'moodle_bridge_callback_deliveries',
    help: 'Callback deliveries in the store by outcome: pending, retrying, accepted, rejected, abandoned, failed (counted at scrape time)',
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      this.reset()
      const [rows, results] = await Promise.all([counts(), source.resultCounts(CALLBACK_JOB_TYPE)]).catch(() => [null, null])
      if (!rows || !results) return
      const n = new Map<DeliveryOutcome, number>(DELIVERY_OUTCOMES.map((o) => [o, 0]))
      const add = (outcome: DeliveryOutcome, count: number) => n.set(outcome, n.get(outcome)! + count)
      for (const row of rows) {
        if (row.type !== CALLBACK_JOB_TYPE) continue
        if (row.state === 'retry_wait') add('retrying', row.count)
        else if (row.state !== 'finished') add('pending', row.count)
        else if (row.outcome !== 'success') add('failed', row.count)
      }
      for (const { result, count } of results) {
        const outcome = callbackResultOf(result)
        if (outcome) add(outcome, count)
      }
      for (const [outcome, count] of n) this.set({ outcome }, count)
    },
  })
}
