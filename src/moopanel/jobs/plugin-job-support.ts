import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { JobContext } from '../../jobs/index.ts'
import { applyPluginCode, SKIPPED_MESSAGE, type PluginCodeOutcome } from './apply-plugin-code.ts'
import type { MoopanelJobDeps } from './job-deps.ts'

/** One item's final result, as journalled (the callback item is built from it). */
export interface ItemResult {
  status: boolean
  error: string | null
  component: string | null
  version: string | null
  manual?: boolean
}

/** What an item decided to install, journalled before the swap so that a resumed job goes on with it. */
export interface ItemPlan {
  component: string
  version: string
  targetDir: string
  stagedDir: string
  allowUnstable: boolean
}

/**
 * Runs the items of a plugin job in order with a journal: an item already decided is not run again,
 * an item whose swap had started resumes at the swap (never re-downloaded), and after an item that
 * needs manual intervention every remaining one is skipped (§5.6 rule 12).
 */
export async function runPluginItems<T>(
  deps: MoopanelJobDeps,
  ctx: JobContext<unknown>,
  items: readonly T[],
  decide: (item: T, index: number, stagingDir: string) => Promise<ItemResult | ItemPlan>,
): Promise<ItemResult[]> {
  const jobStaging = join(deps.code.stagingDir, 'jobs', String(ctx.job.id))
  const results: ItemResult[] = []
  let manual = false
  for (const [index, item] of items.entries()) {
    const done = ctx.journal.get<ItemResult>(`result:${index}`)
    if (done) {
      results.push(done)
      manual ||= done.manual === true
      continue
    }
    let result: ItemResult
    if (manual) {
      result = { status: false, error: SKIPPED_MESSAGE, component: null, version: null }
    } else {
      let plan = ctx.journal.get<ItemPlan>(`plan:${index}`)
      if (!plan) {
        const decided = await decide(item, index, join(jobStaging, String(index)))
        if ('status' in decided) {
          result = decided
          await ctx.journal.record(`result:${index}`, result)
          results.push(result)
          continue
        }
        plan = decided
        await ctx.journal.record(`plan:${index}`, plan)
      }
      const outcome: PluginCodeOutcome = await applyPluginCode(deps, ctx, {
        key: String(index),
        component: plan.component,
        targetDir: plan.targetDir,
        stagedDir: plan.stagedDir,
        expectedVersion: plan.version,
        allowUnstable: plan.allowUnstable,
      })
      result = { status: outcome.status, error: outcome.error, component: plan.component, version: plan.version, manual: outcome.manual }
      manual ||= outcome.manual
    }
    await ctx.journal.record(`result:${index}`, result)
    results.push(result)
  }
  await rm(jobStaging, { recursive: true, force: true })
  return results
}

/** §5.6: `"<n> of <m> updates failed: <component>: <error>"` for the first failing item, cut to 255; null when none failed. */
export function failureSummary(results: ReadonlyArray<{ status: boolean; error: string | null }>, components: ReadonlyArray<string>): string | null {
  const failed = results.filter((r) => !r.status).length
  if (failed === 0) return null
  const first = results.findIndex((r) => !r.status)
  return `${failed} of ${results.length} updates failed: ${components[first]}: ${results[first]!.error ?? 'failed'}`.slice(0, 255)
}

/** The folder of a plugin relative to the Moodle root, from its type's folder. */
export function pluginTargetDir(typeDirs: Map<string, string>, type: string, name: string): string | null {
  const typeDir = typeDirs.get(type)
  return typeDir === undefined ? null : `${typeDir.replace(/^\/+|\/+$/g, '')}/${name}`
}
