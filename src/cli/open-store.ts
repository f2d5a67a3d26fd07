import { createDialect, currentDatabaseTarget, openMoodle, resolveDatabaseUrl } from '../moodle/index.ts'
import { openStore, type Store } from '../store/index.ts'
import { configFrom, UsageError, type CommonFlags } from './common.ts'

/** Opens the service's store as the options say (Moodle's database, or `state_url`), for one command. */
export async function withStore<T>(flags: CommonFlags, work: (store: Store) => Promise<T>): Promise<T> {
  const config = await configFrom(flags)
  if (!config.moodle_dir && !config.state_url) throw new UsageError('--moodle-dir or --state-url is required')
  const moodle = config.state_url ? null : await openMoodle({ dirroot: config.moodle_dir!, poolSize: 1 })
  try {
    const target = config.state_url ? await resolveDatabaseUrl(config.state_url, 1) : currentDatabaseTarget(moodle!)
    const store = await openStore({ dialect: createDialect(target), family: target.driver === 'mysql' ? 'mysql' : 'postgres', prefix: config.state_prefix, ownsConnection: true })
    try {
      return await work(store)
    } finally {
      await store.close()
    }
  } finally {
    await moodle?.close()
  }
}
