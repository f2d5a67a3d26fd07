import { Counter, Histogram, type Registry } from 'prom-client'

/** Why an authentication failed, as the `reason` label of moopanel-api.md §7.4. */
export type AuthFailure = 'missing' | 'invalid' | 'expired' | 'ip' | 'locked'

/** The management API's Prometheus metrics (moopanel-api.md §7.4); label values never carry request data. */
export class MoopanelMetrics {
  private readonly requests: Counter<'endpoint' | 'method' | 'status'>
  private readonly duration: Histogram<'endpoint' | 'method'>
  private readonly authFailures: Counter<'reason'>

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'moodle_bridge_http_requests_total',
      help: 'Management API requests by endpoint, method and status',
      labelNames: ['endpoint', 'method', 'status'],
      registers: [registry],
    })
    this.duration = new Histogram({
      name: 'moodle_bridge_http_request_duration_seconds',
      help: 'Management API request duration',
      labelNames: ['endpoint', 'method'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    })
    this.authFailures = new Counter({
      name: 'moodle_bridge_auth_failures_total',
      help: 'Failed authentications by reason',
      labelNames: ['reason'],
      registers: [registry],
    })
  }

  /**
   * Records one answered request; `endpoint` is already a known name or `unknown` (the route
   * table's `endpointLabel`), unknown methods are folded into `OTHER`.
   */
  request(endpoint: string, method: string, status: number, seconds: number): void {
    const labels = { endpoint, method: KNOWN_METHODS.has(method) ? method : 'OTHER' }
    this.requests.inc({ ...labels, status: String(status) })
    this.duration.observe(labels, seconds)
  }

  authFailure(reason: AuthFailure): void {
    this.authFailures.inc({ reason })
  }
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'])
