import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { RetryableError, type JobContext } from '../../jobs/index.ts'
import { readPluginVersionFacts, type SiteCodeFacts } from '../../moodle/index.ts'
import { downloadPackage, inspectPluginPackage, PluginPackageError, unzipPackage, type PluginPackage } from '../../packages/index.ts'
import { AppError } from '../../shared/errors.ts'
import type { MoopanelJobDeps } from './job-deps.ts'

/** A staged package, or why there is none (with what was read of it: §5.7 rule 3). */
export type StagedPackage =
  | { ok: true; pkg: PluginPackage }
  | { ok: false; error: string; component: string | null; version: string | null }

/** Waits before the 2nd and 3rd attempt of a transient download failure (§5.4: after 1, 5, 15 min). */
const RETRY_DELAYS_MS = [60_000, 300_000, 900_000]

/**
 * Downloads a plugin package into `<dir>/package.zip` (URL policy, size limit, MD5 when known),
 * unpacks it safely into `<dir>/unpacked` and validates it (§5.5.1, §5.5.2, §5.5.4). A transient
 * download failure (network, timeout, 5xx) retries the job while attempts remain; the items done
 * so far are journalled and not repeated.
 */
export async function stagePluginPackage(
  deps: MoopanelJobDeps,
  ctx: Pick<JobContext<unknown>, 'job' | 'signal'>,
  input: { url: string; md5: string | null; dir: string; facts: SiteCodeFacts; extraAllowedOrigins?: readonly string[] },
): Promise<StagedPackage> {
  const limits = deps.packages
  await rm(input.dir, { recursive: true, force: true })
  await mkdir(input.dir, { recursive: true, mode: 0o750 })
  const zip = join(input.dir, 'package.zip')
  try {
    await downloadPackage(input.url, {
      allowedHosts: limits.allowedHosts,
      allowHttp: limits.allowHttp,
      ...(input.extraAllowedOrigins ? { extraAllowedOrigins: input.extraAllowedOrigins } : {}),
      maxBytes: limits.pluginMaxBytes,
      timeoutMs: 30 * 60_000,
      targetFile: zip,
      ...(input.md5 ? { expectedMd5: input.md5 } : {}),
      signal: ctx.signal,
    })
  } catch (error) {
    const message = error instanceof AppError ? error.message : 'Cannot download zip file'
    if (isTransient(error) && ctx.job.attempt < ctx.job.maxAttempts) {
      throw new RetryableError(message, RETRY_DELAYS_MS[ctx.job.attempt - 1] ?? 900_000)
    }
    return { ok: false, error: message, component: null, version: null }
  }
  const unpacked = join(input.dir, 'unpacked')
  try {
    await unzipPackage(zip, unpacked, {
      maxEntries: limits.zipMaxEntries,
      maxUncompressedBytes: limits.zipMaxUncompressedBytes,
    })
    const pkg = await inspectPluginPackage(unpacked, {
      readVersion: (source) => {
        const facts = readPluginVersionFacts(source)
        return {
          ...(facts.component !== undefined ? { component: facts.component } : {}),
          ...(facts.version !== undefined ? { version: facts.version } : {}),
          ...(facts.requires !== undefined ? { requires: facts.requires } : {}),
          ...(facts.incompatible !== undefined ? { incompatible: facts.incompatible } : {}),
        }
      },
      siteVersion: input.facts.version,
      siteBranch: input.facts.branch,
      pluginTypes: input.facts.typeDirs.keys(),
    })
    return { ok: true, pkg }
  } catch (error) {
    if (error instanceof PluginPackageError) {
      return { ok: false, error: error.message, component: error.component ?? null, version: error.version === undefined ? null : String(error.version) }
    }
    if (error instanceof AppError) return { ok: false, error: error.message, component: null, version: null }
    throw error
  } finally {
    await rm(zip, { force: true })
  }
}

/** Network errors, timeouts and 5xx answers are worth another attempt; 4xx, size and checksum are not. */
function isTransient(error: unknown): boolean {
  return error instanceof AppError && error.code === 'download_failed' && !/HTTP 4\d\d/.test(error.message)
}
