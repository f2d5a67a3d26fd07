import { getSiteIdentity } from '../../moodle/index.ts'
import { ok, type EndpointHandler } from '../context.ts'

/** GET / and /test_connection: site identity (§4.1). */
export const testConnection: EndpointHandler = async ({ deps }) => {
  const site = await getSiteIdentity(deps.moodle)
  return ok({ url: site.url, site_fullname: site.fullname, logo: site.logoUrl, theme: site.theme, moodle_version: site.release })
}

/** GET /dashboard (§4.2). */
export const dashboard: EndpointHandler = async ({ deps }) => {
  const site = await getSiteIdentity(deps.moodle)
  return ok({
    url: site.url,
    site_fullname: site.fullname,
    site_shortname: site.shortname,
    logo: site.logoUrl,
    logocompact: site.logoCompactUrl,
    theme: site.theme,
    moodle_version: site.release,
  })
}
