import type { Config } from '../config/index.ts'
import { createDialect, currentDatabaseTarget, openMoodle, resolveDatabaseUrl } from '../moodle/index.ts'
import { openStore, type Store } from '../store/index.ts'
import { configFrom, UsageError, type CommonFlags } from './common.ts'
import type { SiteEntry } from './site-choice.ts'

/** Opens the service's store as the options say (Moodle's database, or `state_url`), for one command. */
export async function withStore<T>(flags: CommonFlags, work: (store: Store) => Promise<T>): Promise<T> {
  const config = await configFrom(flags)
  if (!config.moodle_dir && !config.state_url) throw new UsageError('--moodle-dir or --state-url is required')
  return openStoreAnd(config.state_url, config.state_prefix, { dirroot: config.moodle_dir! }, '', work)
}

/**
 * Opens one site's view (`forSite(id)`) of the shared store of a sites file (`state_url`, which
 * many sites need: docs/sites.md), where `serve` keeps that site's key state, audit and jobs.
 */
export async function withSiteStore<T>(config: Config, site: SiteEntry, work: (store: Store) => Promise<T>): Promise<T> {
  return withSharedStore(config, (shared) => work(shared.forSite(site.id)))
}

/** The shared store of a sites file (`state_url`), seen as no site in particular ('' ; use `forSite`). */
export async function withSharedStore<T>(config: Config, work: (store: Store) => Promise<T>): Promise<T> {
  if (!config.state_url) throw new UsageError("a sites file needs state_url (--state-url, MOODLE_BRIDGE_STATE_URL): the one store of every site's keys, audit and jobs")
  return openStoreAnd(config.state_url, config.state_prefix, null, '', work)
}

async function openStoreAnd<T>(
  stateUrl: string | undefined,
  prefix: string,
  moodleAt: { dirroot: string } | null,
  site: string,
  work: (store: Store) => Promise<T>,
): Promise<T> {
  const moodle = stateUrl ? null : await openMoodle({ ...moodleAt!, poolSize: 1 })
  try {
    const target = stateUrl ? await resolveDatabaseUrl(stateUrl, 1) : currentDatabaseTarget(moodle!)
    const store = await openStore({ dialect: createDialect(target), family: target.driver === 'mysql' ? 'mysql' : 'postgres', prefix, ownsConnection: true, site })
    try {
      return await work(store)
    } finally {
      await store.close()
    }
  } finally {
    await moodle?.close()
  }
}
