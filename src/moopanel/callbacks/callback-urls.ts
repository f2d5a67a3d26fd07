/**
 * Callback URLs of moopanel-api.md §6.2–6.8: `moopanel_url` without trailing slashes (path prefix
 * kept), read at sending time, followed by the path of each callback. Ids are decimal integers.
 */

/** The seven callbacks of moopanel-api.md §6.2–6.8, named after what they report. */
export type CallbackKind =
  | 'backup_created'
  | 'restore_finished'
  | 'deletion_finished'
  | 'core_update_finished'
  | 'plugin_updates_finished'
  | 'zip_installs_finished'
  | 'admin_preset'

/** The path below `moopanel_url` of each callback, for one MooPanel instance id. */
export const CALLBACK_PATHS: Record<CallbackKind, (instanceId: number) => string> = {
  backup_created: (id) => `/api/backups/courses/${id}`,
  restore_finished: (id) => `/api/backups/restore/instance/${id}`,
  deletion_finished: (id) => `/api/backups/delete/instance/${id}`,
  core_update_finished: (id) => `/api/updates/core/instance/${id}`,
  plugin_updates_finished: (id) => `/api/updates/plugins/instance/${id}`,
  zip_installs_finished: (id) => `/api/updates/zip-plugins/instance/${id}`,
  admin_preset: (id) => `/api/instances/${id}/admin_preset`,
}

/** The media type each callback is sent with (§6.1: JSON, the admin preset XML). */
export function callbackContentType(kind: CallbackKind): 'application/json' | 'application/xml' {
  return kind === 'admin_preset' ? 'application/xml' : 'application/json'
}

/**
 * `moopanel_url` as the base of every callback: an absolute http(s) URL without query or fragment,
 * trailing slashes removed, path prefix kept. Throws RangeError for anything else (the config
 * schema should have refused it already).
 */
export function callbackBaseUrl(moopanelUrl: string): string {
  let url: URL
  try {
    url = new URL(moopanelUrl)
  } catch (error) {
    throw new RangeError('moopanel_url is not an absolute URL', { cause: error })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RangeError('moopanel_url must use http or https')
  if (url.search !== '' || url.hash !== '') throw new RangeError('moopanel_url must not have a query or fragment')
  // Trimmed on the serialised form so that user info, port and percent-encoding stay as given.
  return url.href.replace(/\/+$/, '')
}

/** The full URL of one callback for `instanceId` (an id value 1..2147483647 per §3.5, else RangeError). */
export function callbackUrl(kind: CallbackKind, moopanelUrl: string, instanceId: number): string {
  if (!Number.isInteger(instanceId) || instanceId < 1 || instanceId > 2_147_483_647) {
    throw new RangeError(`instance id must be an integer in 1..2147483647: ${instanceId}`)
  }
  return callbackBaseUrl(moopanelUrl) + CALLBACK_PATHS[kind](instanceId)
}
