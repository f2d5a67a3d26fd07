import autocannon from 'autocannon'

/** One autocannon run's figures. */
export interface Figures {
  name: string
  /** The bare Fastify run measured right before this one, when there is one (less drift on a shared machine). */
  baseline?: Figures
  reqPerSec: number
  p50: number
  p99: number
  errors: number
}

/** Runs autocannon against a URL: a short warm-up (`warmUpS`, default 1 s; 0 = none, a cold run), then the measured run. */
export async function measure(name: string, url: string, headers: Record<string, string>, options: { connections: number; seconds: number; warmUpS?: number }): Promise<Figures> {
  const warmUpS = options.warmUpS ?? 1
  if (warmUpS > 0) await autocannon({ url, headers, connections: options.connections, duration: warmUpS })
  const r = await autocannon({ url, headers, connections: options.connections, duration: options.seconds })
  return {
    name,
    reqPerSec: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
  }
}

/** Prints a table of figures with the ratio of each row to its own baseline run, else to `baseline`. */
export function printTable(rows: Figures[], baseline: Figures, targets: Map<string, string>): void {
  const head = ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'vs bare', 'errors', 'target']
  const lines = rows.map((r) => [
    r.name,
    r.reqPerSec.toFixed(0),
    r.p50.toFixed(1),
    r.p99.toFixed(1),
    `${((r.reqPerSec / (r.baseline ?? baseline).reqPerSec) * 100).toFixed(1)} %`,
    String(r.errors),
    targets.get(r.name) ?? '',
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  console.log(fmt(head))
  for (const l of lines) console.log(fmt(l))
}
