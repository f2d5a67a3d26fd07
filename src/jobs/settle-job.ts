import type { Store } from '../store/index.ts'

/**
 * Moves a job from `reporting` to `finished` once its callback is settled (moopanel-api.md §5.2),
 * optionally overriding the outcome and summary (for a job whose delivery is the work itself).
 * False when the job is not in `reporting`.
 */
export async function settleJob(
  store: Store,
  id: number,
  options: { nowMs: number; outcome?: 'success' | 'failure'; summary?: string | null },
): Promise<boolean> {
  const result = await store.db
    .updateTable('store_jobs')
    .set({
      state: 'finished',
      finished_at_ms: options.nowMs,
      updated_at_ms: options.nowMs,
      ...(options.outcome ? { outcome: options.outcome } : {}),
      ...(options.summary !== undefined ? { summary: options.summary?.slice(0, 255) ?? null } : {}),
    })
    .where('id', '=', id)
    .where('site', '=', store.site)
    .where('state', '=', 'reporting')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}
