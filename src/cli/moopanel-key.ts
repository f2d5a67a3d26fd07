import { setApiSwitch, storeNewKey } from '../moopanel/index.ts'
import { fail, UsageError, type CommonFlags } from './common.ts'
import { withStore } from './open-store.ts'

/** `moopanel set-key`: stores the fingerprint of the key read from stdin (and its expiry), enables the API. */
export async function setKeyCommand(flags: CommonFlags & { expires?: string }): Promise<void> {
  try {
    const key = (await readStdin()).trim()
    if (key.length < 32) throw new UsageError('the key must be at least 32 characters (read from standard input)')
    const expires = flags.expires === undefined || flags.expires === 'never' ? null : Number(flags.expires)
    if (expires !== null && (!Number.isSafeInteger(expires) || expires < 1)) throw new UsageError('--expires takes a Unix time or "never"')
    await withStore(flags, (store) => storeNewKey(store, key, expires))
    process.stdout.write(
      'key fingerprint stored; the API is enabled. Give the same key to the service (MOODLE_BRIDGE_MOOPANEL_KEY) so that callbacks can send it.\n',
    )
  } catch (error) {
    fail(error)
  }
}

/** `moopanel enable|disable`: flips the API switch; a running service follows within two seconds. */
export async function switchCommand(flags: CommonFlags, enabled: boolean): Promise<void> {
  try {
    await withStore(flags, (store) => setApiSwitch(store, enabled))
    process.stdout.write(`MooPanel API ${enabled ? 'enabled' : 'disabled'}\n`)
  } catch (error) {
    fail(error)
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('API key: ')
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
