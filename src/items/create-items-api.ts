import type { FastifyBaseLogger } from 'fastify'
import type { ItemsConfig } from '../config/index.ts'
import { checkItemsTables, findUser, type Moodle } from '../moodle/index.ts'
import { migrateItemsTables, type Store } from '../store/index.ts'
import type { ItemsAuthenticator } from './auth/contract.ts'
import { AddressList } from '../shared/client-address.ts'
import type { CorsOptions } from './http/cors.ts'
import { FixedWindowLimiter, type RateLimiter } from './http/rate-limiter.ts'
import type { SharedRateCounts, SharedWindowLimiter } from './http/shared-rate-limiter.ts'
import { ItemsSwitches } from './http/switches.ts'
import { loadRegistry } from './item-types/load-registry.ts'
import { RegistryError, type ItemTypeRegistry } from './item-types/registry.ts'
import { buildOpenApiDocuments, mountPathOf, openApiInputs } from './openapi/openapi-documents.ts'
import type { Caller, ItemsCore } from './operations/items-core.ts'
import type { AuthenticatedUser, Extension, MoodleReader } from './public-api.ts'
import type { OpenApiDocuments } from './routes/openapi-routes.ts'
import { itemsDbFor } from './store/items-db.ts'

/** What the Items API is built from. */
export interface ItemsApiOptions {
  config: ItemsConfig
  moodle: Moodle
  /** The state store; the items tables are created in its database under `items_table_prefix`. */
  store: Store
  authenticator: ItemsAuthenticator
  log: Pick<FastifyBaseLogger, 'warn' | 'info' | 'error'>
  /** Base directory of relative type files and extension modules (the configuration file's directory). */
  baseDir?: string
  /** Extensions given as objects (embedding, tests). */
  extensions?: Extension[]
  /** True when the state database is Moodle's own (the prefix rule of §13.1 then applies). */
  sharesMoodleDatabase?: boolean
  nowMs?: () => number
  /** Budgets counted over every instance sharing the store (many sites): the process's exchange and this site's id. */
  sharedRates?: { counts: SharedRateCounts; site: string }
  /** Many sites: reports that the site's database cannot be reached; answers the seconds until the site is tried again. */
  onUnavailable?: (error: unknown) => number
}

import type { ItemsApi } from './items-api.ts'

export type { ItemsApi, ItemsHttpOptions } from './items-api.ts'

/**
 * Start-up of the Items API (§14.4): prefix rule, registry (types, extensions, routes), migrations
 * of the items tables, extension `setup`, capability warnings (§6.5) and the OpenAPI document.
 * Throws RegistryError (a readable one-line message) when a check fails.
 */
export async function createItemsApi(options: ItemsApiOptions): Promise<ItemsApi> {
  const { config, moodle, store } = options
  const prefix = config.items_table_prefix
  if (options.sharesMoodleDatabase && (prefix === moodle.prefix || prefix.startsWith(moodle.prefix) || moodle.prefix.startsWith(prefix))) {
    throw new RegistryError(`items_table_prefix ${prefix} clashes with Moodle's table prefix ${moodle.prefix} in the shared database (§13.1)`)
  }
  const registry = await loadRegistry(config, { baseDir: options.baseDir, extensions: options.extensions })
  await migrateItemsTables(store, prefix)
  await runSetups(options, registry)
  // A table it reads missing would answer every request 503: say so at start-up (unless switched off).
  if (config.mdg_core_api_enabled !== false) await checkItemsTables(moodle, registry.coreBacked.map((t) => t.name))
  await warnUnknownCapabilities(options, registry)
  const nowMs = options.nowMs ?? Date.now
  const core: ItemsCore = {
    registry,
    db: itemsDbFor(store, prefix),
    moodle,
    auth: options.authenticator,
    requireIfMatch: config.items_require_if_match,
    nowS: () => Math.floor(nowMs() / 1000),
  }
  const wwwroot = moodle.wwwroot || undefined
  const shared = options.sharedRates
  const limiter = (bucket: 'ip' | 'user', budget: { max: number; window_s: number }): RateLimiter =>
    shared ? shared.counts.limiter(shared.site, bucket, budget.max, budget.window_s * 1000) : new FixedWindowLimiter(budget.max, budget.window_s * 1000, nowMs)
  const limits = config.items_rate_limit_enabled
    ? { ip: limiter('ip', config.items_rate_limit_per_ip), user: limiter('user', config.items_rate_limit_per_user) }
    : null
  return {
    core,
    registry,
    options: {
      mountPath: mountPathOf(config, wwwroot),
      maxBodyBytes: config.items_max_body_bytes,
      cors: { enabled: config.items_cors_enabled, origins: config.items_cors_origins, credentials: config.items_cors_credentials, maxAgeS: config.items_cors_max_age_s },
    },
    switches: new ItemsSwitches(moodle, { enabled: config.mdg_core_api_enabled, openapiPublic: config.mdg_core_api_openapi_public, cacheS: config.items_settings_cache_s }, nowMs),
    limiters: limits,
    trusted: new AddressList(config.trusted_proxies),
    onUnavailable: options.onUnavailable,
    openapi: buildOpenApiDocuments(registry, openApiInputs(config, wwwroot)),
    async userOf(caller) {
      const user = await findUser(moodle, { by: 'id', value: caller.principal.userId })
      return { id: caller.principal.userId, username: user?.username ?? '', isSiteAdmin: caller.principal.siteAdmin, method: caller.principal.via }
    },
    close: async () => {
      if (shared && limits) for (const l of [limits.ip, limits.user]) shared.counts.release(l as SharedWindowLimiter)
      await options.authenticator.close()
    },
  }
}

/** Extension `setup` functions, in load order; an exception stops start-up (§15.1). */
async function runSetups(options: ItemsApiOptions, registry: ItemTypeRegistry): Promise<void> {
  for (const { extension, source } of registry.modules) {
    try {
      await extension.setup?.({ log: options.log as FastifyBaseLogger, moodle: options.moodle.db as unknown as MoodleReader })
    } catch (error) {
      throw new RegistryError(`extension ${extension.name} (${source}): setup failed: ${(error as Error).message}`)
    }
  }
}

/** §6.5: a warning per capability Moodle does not know, naming what depends on it. */
async function warnUnknownCapabilities(options: ItemsApiOptions, registry: ItemTypeRegistry): Promise<void> {
  const needed = registry.capabilities()
  if (needed.size === 0) return
  let unknown: string[]
  try {
    unknown = await options.authenticator.unknownCapabilities([...needed.keys()])
  } catch (error) {
    // Only a warning is at stake (§14.4): a site without the capability tables (the demo) still starts.
    options.log.warn({ err: error }, 'capabilities could not be checked against Moodle')
    return
  }
  for (const capability of unknown) {
    options.log.warn({ capability, dependents: needed.get(capability) }, 'capability unknown to Moodle: only site administrators pass its checks')
  }
}
