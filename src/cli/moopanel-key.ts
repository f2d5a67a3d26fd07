import { setApiSwitch, storeNewKey } from '../moopanel/index.ts'
import type { Store } from '../store/index.ts'
import { configFrom, fail, UsageError, type CommonFlags } from './common.ts'
import { withSiteStore, withStore } from './open-store.ts'
import { chooseSite, type SiteFlags } from './site-choice.ts'

/** `moopanel set-key`: stores the fingerprint of the key read from stdin (and its expiry), enables the API. */
export async function setKeyCommand(flags: CommonFlags & SiteFlags & { expires?: string }): Promise<void> {
  try {
    const where = await keyStore(flags, 'moopanel set-key')
    const key = (await readStdin()).trim()
    if (key.length < 32) throw new UsageError('the key must be at least 32 characters (read from standard input)')
    const expires = flags.expires === undefined || flags.expires === 'never' ? null : Number(flags.expires)
    if (expires !== null && (!Number.isSafeInteger(expires) || expires < 1)) throw new UsageError('--expires takes a Unix time or "never"')
    await where.run((store) => storeNewKey(store, key, expires))
    process.stdout.write(
      where.site === null
        ? 'key fingerprint stored; the API is enabled. Give the same key to the service (MOODLE_BRIDGE_MOOPANEL_KEY) so that callbacks can send it.\n'
        : `key fingerprint stored for site ${where.site}; its API is enabled. Give the same key to the site's options (api_key in the sites file) so that callbacks can send it.\n`,
    )
  } catch (error) {
    fail(error)
  }
}

/** `moopanel enable|disable`: flips the API switch; a running service follows within two seconds. */
export async function switchCommand(flags: CommonFlags & SiteFlags, enabled: boolean): Promise<void> {
  try {
    const where = await keyStore(flags, `moopanel ${enabled ? 'enable' : 'disable'}`)
    await where.run((store) => setApiSwitch(store, enabled))
    process.stdout.write(`MooPanel API ${enabled ? 'enabled' : 'disabled'}${where.site === null ? '' : ` for site ${where.site}`}\n`)
  } catch (error) {
    fail(error)
  }
}

/**
 * Where the key state lives: single-site, the store as the options say; with a sites file, the
 * site `--site` names (required there, refused without a sites file).
 */
async function keyStore(flags: CommonFlags & SiteFlags, command: string): Promise<{ site: string | null; run: (work: (store: Store) => Promise<void>) => Promise<void> }> {
  const config = await configFrom(flags)
  const site = await chooseSite(config, flags, command)
  if (site === null) return { site: null, run: (work) => withStore(flags, work) }
  return { site: site.id, run: (work) => withSiteStore(config, site, work) }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('API key: ')
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
