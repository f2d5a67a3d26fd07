import { getSiteIdentity, type Moodle } from '../moodle/index.ts'
import type { ItemsApi } from './create-items-api.ts'

/**
 * What the Items API's first request would read, read before the service reports ready: the
 * MIDDAG switches, the site identity and the authentication settings (through one capability
 * check for no user, which reads them and answers false). Throws when Moodle cannot be read.
 */
export async function warmUpItems(api: ItemsApi, moodle: Moodle): Promise<void> {
  await api.switches.read()
  await getSiteIdentity(moodle)
  await api.core.auth.has({ userId: 0, via: 'wstoken', tokenId: null, siteAdmin: false }, 'moodle/site:config')
}
