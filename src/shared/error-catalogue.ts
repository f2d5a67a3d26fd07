/**
 * Every error the service reports, in one table (issue #9 point 3; documented in docs/errors.md).
 * A code is stable: logs, tests and operators may rely on it. Each entry gives, per surface it is
 * used on, the wire form of the error:
 * - `moopanel`: the management API's status and `{"error": message}` text (moopanel-api.md §3.8, §4);
 * - `items`: the Items API's status, envelope `reason` and `message` (items-api.md §4.4);
 * - `packages`: the `AppError` of src/packages (its kind, its lower-case domain code and message),
 *   whose message reaches the panel in job callbacks.
 * Messages are the exact wire text; `<name>` marks a parameter filled in by `formatMessage`.
 * The codes themselves never go on the wire (the bodies are fixed by the two contracts).
 */
/** What went wrong, independent of how a surface renders it. */
export type ErrorKind =
  | 'invalid_input'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'disabled'
  | 'unavailable'
  | 'not_implemented'

export interface MoopanelWire {
  status: number
  message: string
}

export interface ItemsWire {
  /** `'given'`: the status the thrower gives (an extension's own error, an authenticator's refusal). */
  status: number | 'given'
  reason: string
  message: string
}

export interface PackageWire {
  kind: ErrorKind
  /** The domain code `AppError.code` carries (what callers of src/packages test). */
  code: string
  message: string
}

export interface CatalogueEntry {
  /** When the error happens. */
  when: string
  moopanel?: MoopanelWire
  items?: ItemsWire
  packages?: PackageWire
}

const INSTANCE_ID = 'Bad Request - Please provide a valid instance ID.'

export const ERROR_CATALOGUE = {
  // ── Both APIs: the request pipeline ────────────────────────────────────────────────────────
  MB_BAD_REQUEST: {
    when: 'A malformed request path (management API) or a request Node could not parse (Items API)',
    moopanel: { status: 400, message: 'Bad request.' },
    items: { status: 400, reason: 'bad_request', message: 'Bad request.' },
  },
  MB_INVALID_JSON: {
    when: 'The request body is not valid JSON',
    moopanel: { status: 400, message: 'Invalid JSON body.' },
    items: { status: 400, reason: 'invalid_json', message: 'Malformed JSON in request body.' },
  },
  MB_METHOD_NOT_ALLOWED: {
    when: 'The path exists but not for this method (the answer carries Allow)',
    moopanel: { status: 405, message: 'Method not allowed.' },
    items: { status: 405, reason: 'method_not_allowed', message: 'Method not allowed.' },
  },
  MB_BODY_TOO_LARGE: {
    when: 'The request body is larger than the configured limit',
    moopanel: { status: 413, message: 'Request body too large.' },
    items: { status: 413, reason: 'payload_too_large', message: 'The request body is too large.' },
  },
  MB_UNSUPPORTED_MEDIA_TYPE: {
    when: 'A request body that is not sent as JSON',
    moopanel: { status: 415, message: 'Unsupported content type.' },
    items: { status: 415, reason: 'unsupported_media_type', message: 'The request body must be sent as application/json.' },
  },
  MB_API_DISABLED: {
    when: 'The API is switched off',
    moopanel: { status: 423, message: 'API is disabled.' },
    items: { status: 403, reason: 'api_disabled', message: 'The API is disabled.' },
  },
  MB_INTERNAL: {
    when: 'An unexpected failure (logged with the request id; the management API body also carries request_id)',
    moopanel: { status: 500, message: 'Internal server error.' },
    items: { status: 500, reason: 'server_error', message: 'Server Error.' },
  },

  // ── Management API: pipeline (moopanel-api.md §3.8) ─────────────────────────────────────────
  MB_KEY_REQUIRED: { when: 'No API key header, or an empty one', moopanel: { status: 401, message: 'Authorization key required.' } },
  MB_KEY_FAILED: { when: 'A wrong API key, or several key headers', moopanel: { status: 401, message: 'Authorization failed.' } },
  MB_KEY_EXPIRED: { when: 'The API key is past its recorded expiry', moopanel: { status: 401, message: 'API key expired.' } },
  MB_IP_REFUSED: { when: 'The client address is not on the allow-list', moopanel: { status: 403, message: 'IP address not allowed.' } },
  MB_NOT_FOUND: { when: 'A path outside the API route', moopanel: { status: 404, message: 'Not found.' } },
  MB_UNKNOWN_ENDPOINT: {
    when: 'An endpoint name (or tasks sub-path) the API does not have; the name is cut to 100 code points',
    moopanel: { status: 404, message: "Endpoint '<name>' not found." },
  },
  MB_LOCKED_OUT: {
    when: 'Too many failed key attempts from the address (the answer carries Retry-After)',
    moopanel: { status: 429, message: 'Too many failed authorization attempts.' },
  },
  MB_SERVICE_BUSY: {
    when: 'The job queue is full or the service is shutting down (Retry-After: 15), or an uninstall could not be queued; with many sites also a site that is unavailable (MB_SITE_UNAVAILABLE, Retry-After: the back-off)',
    moopanel: { status: 503, message: 'Service Unavailable - try again later.' },
  },

  // ── Management API: endpoints (moopanel-api.md §4) ──────────────────────────────────────────
  MB_INVALID_FIELD: {
    when: 'A payload field of the wrong shape; the path names it (e.g. updates.0.model_id)',
    moopanel: { status: 400, message: "Bad Request - Invalid field '<path>'." },
  },
  MB_INSTANCE_ID_INVALID: { when: 'instance_id (instanceid) missing or not an id', moopanel: { status: 400, message: INSTANCE_ID } },
  MB_NOT_IMPLEMENTED: { when: 'POST /user, or POST /plugin on another sub-path', moopanel: { status: 501, message: 'Not implemented yet.' } },
  MB_KEY_EXPIRY_MISSING: { when: 'POST /api_key_status without key_expiration_date', moopanel: { status: 400, message: 'Missing API key expiration_date' } },
  MB_KEY_EXPIRY_INVALID: { when: 'POST /api_key_status with an unreadable key_expiration_date', moopanel: { status: 400, message: 'Invalid API key expiration_date' } },
  MB_USERS_INVALID_TIME_WINDOW: { when: 'GET /users/online: timeStart or timeEnd missing or not an integer', moopanel: { status: 400, message: 'Invalid timeStart or timeEnd.' } },
  MB_USERS_START_AFTER_END: { when: 'GET /users/online: timeStart after timeEnd', moopanel: { status: 400, message: 'StartTime must be less than endTime.' } },
  MB_USERS_INVALID_FIELDS: { when: 'GET /users: an unknown column in fields', moopanel: { status: 400, message: 'Invalid fields.' } },
  MB_USERS_INVALID_SORT: { when: 'GET /users: an unknown column or direction in sort', moopanel: { status: 400, message: 'Invalid sort.' } },
  MB_USERS_INVALID_PAGING: { when: 'GET /users: page or perpage out of range', moopanel: { status: 400, message: 'Invalid paging.' } },
  MB_USERS_NOT_IMPLEMENTED: { when: 'POST /users', moopanel: { status: 501, message: 'Not Implemented yet.' } },
  MB_USER_NO_PARAMETERS: { when: 'GET /user without upn, username, email or id', moopanel: { status: 400, message: 'No parameters provided.' } },
  MB_USER_NOT_FOUND: { when: 'GET /user: no such user', moopanel: { status: 400, message: 'User not found.' } },
  MB_PLUGIN_UPDATES_MISSING: { when: 'POST /plugins/updates without updates', moopanel: { status: 400, message: 'Bad request - no updates specified.' } },
  MB_PLUGIN_ZIP_URLS_MISSING: { when: 'POST /plugins/installzip without updates', moopanel: { status: 400, message: 'Bad request - no zip files urls specified.' } },
  MB_PLUGINS_UNDEFINED_METHOD: { when: 'POST /plugins on another sub-path', moopanel: { status: 400, message: 'Bad request - undefined method.' } },
  MB_PLUGIN_NOT_SPECIFIED: { when: 'GET or POST /plugin without plugin', moopanel: { status: 400, message: 'Plugin not specified.' } },
  MB_PLUGIN_NOT_FOUND: { when: 'GET or POST /plugin: no such plugin', moopanel: { status: 400, message: 'Plugin not exist.' } },
  MB_UNINSTALL_NOT_CONFIRMED: { when: 'POST /plugin/uninstall without confirm: true', moopanel: { status: 403, message: 'Not confirmed.' } },
  MB_UNINSTALL_REFUSED: {
    when: 'POST /plugin/uninstall: a standard plugin, one without a version, or the uninstall failed or took too long',
    moopanel: { status: 400, message: 'Plugin can not be uninstalled.' },
  },
  MB_CORE_UPDATE_ID_MISSING: { when: 'POST /moodle_core without update_id', moopanel: { status: 400, message: 'Bad Request - Please provide update ID.' } },
  MB_CORE_VERSION_MISSING: { when: 'POST /moodle_core without version', moopanel: { status: 400, message: 'Bad request - no core version specified.' } },
  MB_CORE_DOWNLOAD_MISSING: { when: 'POST /moodle_core without download', moopanel: { status: 400, message: 'Bad request - no download link specified.' } },
  MB_CORE_NO_UPDATES: { when: 'POST /moodle_core: Moodle knows no available core update', moopanel: { status: 400, message: 'Bad request - Moodle has no available updates.' } },
  MB_CORE_VERSION_NOT_AVAILABLE: {
    when: 'POST /moodle_core: the version is not among the available updates',
    moopanel: { status: 400, message: 'Bad request - Moodle version not found in available updates.' },
  },
  MB_ADMIN_PRESETS_MISSING: { when: 'GET /admin_presets: the admin presets plugin is not installed', moopanel: { status: 501, message: 'Not implemented - Admin presets plugin not found.' } },
  MB_TASK_ID_MISSING: { when: 'GET /tasks/check without id (or id 0)', moopanel: { status: 400, message: 'No task id specified.' } },
  MB_TASK_TYPE_MISSING: { when: 'GET /tasks/check without type', moopanel: { status: 400, message: 'No task type specified.' } },
  MB_BACKUP_MODE_INVALID: { when: 'POST /backups with an unknown mode', moopanel: { status: 400, message: 'Bad Request - Please provide a valid backup mode.' } },
  MB_STORAGE_NOT_LOCAL: { when: 'POST or PUT /backups with a storage other than local', moopanel: { status: 400, message: 'Currently support only local storage.' } },
  MB_BACKUP_COURSES_MISSING: { when: 'POST /backups without course ids', moopanel: { status: 400, message: 'Bad Request - Please provide Moodle course ids.' } },
  MB_RESTORE_COURSE_ID_INVALID: { when: 'PUT /backups: moodle_course_id missing or not an id', moopanel: { status: 400, message: 'Bad Request - Please provide valid Moodle course id.' } },
  MB_RESTORE_COURSE_NOT_FOUND: { when: 'PUT /backups: no such course', moopanel: { status: 400, message: 'Course not exist in Moodle.' } },
  MB_RESTORE_LINK_INVALID: { when: 'PUT /backups: link missing or not a backup link', moopanel: { status: 400, message: 'Bad Request - Please provide valid backup link.' } },
  MB_RESTORE_INSTANCE_ID_INVALID: { when: 'PUT /backups: instance_id missing or not an id', moopanel: { status: 400, message: 'Bad Request - Please provide valid instance id.' } },
  MB_DELETE_INSTANCE_ID_INVALID: { when: 'DELETE /backups: instance_id missing or not an id', moopanel: { status: 400, message: 'Bad Request - Please provide valid instance ID.' } },
  MB_DELETE_STORAGES_MISSING: { when: 'DELETE /backups without storages', moopanel: { status: 400, message: 'Bad Request - Please provide storages.' } },
  MB_DELETE_BACKUPS_MISSING: { when: 'DELETE /backups without backups', moopanel: { status: 400, message: 'Bad Request - Please provide backups to delete.' } },

  // ── Items API (items-api.md §4.4, §5, §10) ─────────────────────────────────────────────────
  MB_REQUEST_HEADER_TOO_LARGE: {
    when: "The request headers are over Node's limit",
    items: { status: 431, reason: 'request_header_too_large', message: 'The request headers are too large.' },
  },
  MB_AMBIGUOUS_CREDENTIALS: { when: 'Credentials sent in more than one way', items: { status: 'given', reason: 'ambiguous_credentials', message: 'Credentials were sent in more than one way.' } },
  MB_MISSING_CREDENTIALS: { when: 'No credentials', items: { status: 'given', reason: 'missing_credentials', message: 'Unauthenticated.' } },
  MB_INVALID_CREDENTIALS: { when: 'Credentials that do not verify', items: { status: 'given', reason: 'invalid_credentials', message: 'Unauthenticated.' } },
  MB_EXPIRED_CREDENTIALS: { when: 'Expired credentials', items: { status: 'given', reason: 'expired_credentials', message: 'Unauthenticated.' } },
  MB_INVALID_SESSKEY: { when: 'A session cookie without a valid sesskey on a changing request', items: { status: 'given', reason: 'invalid_sesskey', message: 'A valid sesskey is required for this request.' } },
  MB_MAINTENANCE: { when: 'Moodle is in maintenance mode (Retry-After: 60)', items: { status: 503, reason: 'maintenance', message: 'The site is in maintenance mode.' } },
  MB_UNAVAILABLE: { when: 'The database is unreachable, or an authenticator cannot decide (Retry-After: 60)', items: { status: 503, reason: 'unavailable', message: 'The service is temporarily unavailable.' } },
  MB_SITE_UNAVAILABLE: {
    when: 'Many sites: the site cannot be opened, or its database stopped answering; it is tried again after a doubling back-off (Retry-After: seconds until then). The management API answers it with the body of MB_SERVICE_BUSY',
    items: { status: 503, reason: 'site_unavailable', message: 'The site is unavailable; try again in <seconds> s.' },
  },
  MB_MOODLE_TABLE_MISSING: {
    when: 'A Moodle table the API reads is missing (the log names it)',
    items: { status: 503, reason: 'moodle_table_missing', message: 'The service is temporarily unavailable: a Moodle table it reads is missing.' },
  },
  MB_INVALID_BODY: { when: 'A request body that is empty or not a JSON object', items: { status: 400, reason: 'invalid_body', message: 'The request body must be a JSON object.' } },
  MB_INVALID_PARAMETERS: {
    when: 'Invalid query or path parameters: the message is the first violation plus " (and N more errors)"',
    items: { status: 400, reason: 'invalid_parameters', message: '<summary>' },
  },
  MB_VALIDATION_FAILED: {
    when: 'An invalid item body: the message is the first violation plus " (and N more errors)"',
    items: { status: 422, reason: 'validation_failed', message: '<summary>' },
  },
  MB_MISSING_CAPABILITY: { when: 'The caller lacks the capability the request needs', items: { status: 403, reason: 'missing_capability', message: 'Missing capability: <capability>' } },
  MB_NO_READABLE_TYPE: { when: 'The caller may read no item type at all', items: { status: 403, reason: 'missing_capability', message: 'You may not read any item type.' } },
  MB_ROUTE_NOT_FOUND: { when: 'No Items API route for the path', items: { status: 404, reason: 'route_not_found', message: 'Route not found.' } },
  MB_ITEM_NOT_FOUND: { when: 'No such item (or not of the requested type)', items: { status: 404, reason: 'item_not_found', message: 'Item not found.' } },
  MB_READ_ONLY_TYPE: {
    when: 'A write to a core (Moodle record) type (Allow: GET, HEAD, OPTIONS)',
    items: { status: 405, reason: 'read_only_type', message: 'Items of type <type> are read-only: they are Moodle records and can only be changed in Moodle.' },
  },
  MB_CONFLICT: { when: 'A write that conflicts with the stored state', items: { status: 409, reason: 'conflict', message: '<message>' } },
  MB_ITEM_HAS_CHILDREN: { when: 'Deleting an item that has children', items: { status: 409, reason: 'item_has_children', message: 'The item has child items; delete them or change their parent first.' } },
  MB_PRECONDITION_FAILED: { when: 'If-Match does not match the current ETag', items: { status: 412, reason: 'precondition_failed', message: 'The item has been modified since it was read.' } },
  MB_PRECONDITION_REQUIRED: { when: 'A write without If-Match where it is required', items: { status: 428, reason: 'precondition_required', message: 'This request requires an If-Match header.' } },
  MB_RATE_LIMITED: { when: 'The caller is over its rate limit (Retry-After)', items: { status: 429, reason: 'too_many_requests', message: 'Too Many Attempts.' } },
  MB_EXTENSION_ERROR: {
    when: "An extension's own error: status, reason and message as the extension gives them",
    items: { status: 'given', reason: '<reason>', message: '<message>' },
  },

  // ── Packages: downloads and ZIP files (their messages reach the panel in job callbacks) ─────
  MB_DOWNLOAD_URL_NOT_ALLOWED: {
    when: 'A download URL the policy refuses (scheme, credentials, host); <detail> is empty or ": why", never the URL',
    packages: { kind: 'forbidden', code: 'download_url_not_allowed', message: 'Download URL not allowed<detail>.' },
  },
  MB_DOWNLOAD_TOO_LARGE: { when: 'A download over the size limit', packages: { kind: 'invalid_input', code: 'download_too_large', message: 'File too large.' } },
  MB_DOWNLOAD_FAILED: {
    when: 'A download that failed (HTTP status, timeout, connection, redirects…)',
    packages: { kind: 'unavailable', code: 'download_failed', message: 'Cannot download zip file: <detail>.' },
  },
  MB_DOWNLOAD_TARGET_EXISTS: { when: 'The download target file exists already', packages: { kind: 'conflict', code: 'download_target_exists', message: 'Cannot download zip file: target file exists.' } },
  MB_DOWNLOAD_CHECKSUM_MISMATCH: { when: 'The downloaded file does not match its checksum', packages: { kind: 'invalid_input', code: 'download_checksum_mismatch', message: 'Checksum mismatch.' } },
  MB_ZIP_INVALID: { when: 'Not a ZIP file, or an unreadable or corrupt one', packages: { kind: 'invalid_input', code: 'zip_invalid', message: 'Invalid zip file: <detail>.' } },
  MB_ZIP_UNSAFE_PATH: { when: 'An entry path that is empty, absolute, has .. or control characters, or leaves the target', packages: { kind: 'invalid_input', code: 'zip_unsafe_path', message: 'Invalid zip file: <why> <path>.' } },
  MB_ZIP_SYMLINK: { when: 'An entry that is a symbolic link', packages: { kind: 'invalid_input', code: 'zip_symlink', message: 'Invalid zip file: symbolic link <path>.' } },
  MB_ZIP_SPECIAL_FILE: { when: 'An entry that is a device, FIFO or socket', packages: { kind: 'invalid_input', code: 'zip_special_file', message: 'Invalid zip file: special file <path>.' } },
  MB_ZIP_ENCRYPTED: { when: 'An encrypted entry in a plugin or core package', packages: { kind: 'invalid_input', code: 'zip_encrypted', message: 'Invalid zip file: encrypted entry <path>.' } },
  MB_ZIP_DUPLICATE_ENTRY: { when: 'Two entries with the same path', packages: { kind: 'invalid_input', code: 'zip_duplicate_entry', message: 'Invalid zip file: duplicate entry <path>.' } },
  MB_ZIP_TOO_MANY_ENTRIES: { when: 'More entries than the limit', packages: { kind: 'invalid_input', code: 'zip_too_many_entries', message: 'Invalid zip file: too many entries.' } },
  MB_ZIP_TOO_LARGE: { when: 'The unpacked size is over the limit', packages: { kind: 'invalid_input', code: 'zip_too_large', message: 'Invalid zip file: unpacked size too large.' } },
  MB_ZIP_COMPRESSION_RATIO: { when: 'An entry compressed more than the ratio limit allows', packages: { kind: 'invalid_input', code: 'zip_compression_ratio', message: 'Invalid zip file: compression ratio too high.' } },
  MB_ZIP_SIZE_MISMATCH: { when: "An entry whose data differs in size from its header", packages: { kind: 'invalid_input', code: 'zip_size_mismatch', message: 'Invalid zip file: size of <path> differs from its header.' } },
  MB_ZIP_STAGING_EXISTS: { when: 'The staging directory to unpack into exists already', packages: { kind: 'conflict', code: 'zip_staging_exists', message: 'Staging directory already exists.' } },
  MB_ZIP_WRONG_PASSWORD: { when: 'An encrypted backup archive with a wrong (or no) password', packages: { kind: 'invalid_input', code: 'zip_wrong_password', message: 'Wrong password.' } },
  MB_PACKAGE_NOT_SINGLE_PLUGIN: { when: 'A plugin package without exactly one plugin folder, or without version.php', packages: { kind: 'invalid_input', code: 'package_not_single_plugin', message: 'Invalid zip file: <detail>.' } },
  MB_PACKAGE_VERSION_PHP_INVALID: { when: "A plugin's version.php too large or unreadable", packages: { kind: 'invalid_input', code: 'package_version_php_invalid', message: 'Invalid zip file: <detail>.' } },
  MB_PACKAGE_INVALID_COMPONENT: { when: "A plugin's component name that is not valid", packages: { kind: 'invalid_input', code: 'package_invalid_component', message: 'Invalid component name.' } },
  MB_PACKAGE_INVALID_VERSION: { when: "A plugin's version.php without a valid version", packages: { kind: 'invalid_input', code: 'package_invalid_version', message: 'Invalid zip file.' } },
  MB_PACKAGE_REQUIRES_NEWER_MOODLE: { when: 'A plugin that requires a newer Moodle', packages: { kind: 'invalid_input', code: 'package_requires_newer_moodle', message: 'Plugin requires a newer Moodle version.' } },
  MB_PACKAGE_REQUIRES_PRE_MOODLE2: { when: 'A plugin written for Moodle 1.x', packages: { kind: 'invalid_input', code: 'package_requires_pre_moodle2', message: 'Plugin is not compatible with Moodle 2.x or later.' } },
  MB_PACKAGE_INCOMPATIBLE: { when: 'A plugin that declares this Moodle version incompatible', packages: { kind: 'invalid_input', code: 'package_incompatible', message: 'Plugin is incompatible with this Moodle version.' } },
  MB_PACKAGE_COMPONENT_MISMATCH: { when: "A plugin whose component differs from the one it should update", packages: { kind: 'invalid_input', code: 'package_component_mismatch', message: 'Component mismatch.' } },
} as const satisfies Record<string, CatalogueEntry>

type Catalogue = typeof ERROR_CATALOGUE

/** A stable error code. */
export type ErrorCode = keyof Catalogue
/** The codes the management API answers with. */
export type MoopanelCode = { [K in ErrorCode]: Catalogue[K] extends { moopanel: MoopanelWire } ? K : never }[ErrorCode]
/** The codes the Items API answers with. */
export type ItemsCode = { [K in ErrorCode]: Catalogue[K] extends { items: ItemsWire } ? K : never }[ErrorCode]
/** The codes of src/packages' AppErrors. */
export type PackageCode = { [K in ErrorCode]: Catalogue[K] extends { packages: PackageWire } ? K : never }[ErrorCode]

/** Values for a message's `<name>` parameters. */
export type MessageParams = Readonly<Record<string, string | number>>

export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[]

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, value)
}

/** The entry of a code, with its surfaces typed loosely (for code that takes any code). */
export function catalogueEntry(code: ErrorCode): CatalogueEntry {
  return ERROR_CATALOGUE[code]
}

/** Fills `<name>` parameters; a parameter without a value stays as written. */
export function formatMessage(template: string, params: MessageParams = {}): string {
  return template.replace(/<([a-z]+)>/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole))
}

/** The management API's status and message template of a code. */
export function moopanelWire(code: MoopanelCode): MoopanelWire {
  return ERROR_CATALOGUE[code].moopanel
}

/** The Items API's status, reason and message template of a code. */
export function itemsWire(code: ItemsCode): ItemsWire {
  return ERROR_CATALOGUE[code].items
}

/** The kind, domain code and message template of a package error. */
export function packageWire(code: PackageCode): PackageWire {
  return ERROR_CATALOGUE[code].packages
}

/** The code of an Items API reason (the first entry with it), or undefined for a reason not in the table. */
export function itemsCodeOfReason(reason: string): ItemsCode | undefined {
  return ITEMS_BY_REASON.get(reason)
}

/** The management API code whose message (without parameters) is `message`, or undefined. */
export function moopanelCodeOfMessage(message: string): MoopanelCode | undefined {
  return MOOPANEL_BY_MESSAGE.get(message)
}

/** The code of a package error's domain code, or undefined. */
export function packageCodeOf(domainCode: string): PackageCode | undefined {
  return PACKAGES_BY_CODE.get(domainCode)
}

const ITEMS_BY_REASON = new Map<string, ItemsCode>()
const PACKAGES_BY_CODE = new Map<string, PackageCode>()
const MOOPANEL_BY_MESSAGE = new Map<string, MoopanelCode>()
for (const code of ERROR_CODES) {
  const entry: CatalogueEntry = ERROR_CATALOGUE[code]
  if (entry.items && !ITEMS_BY_REASON.has(entry.items.reason)) ITEMS_BY_REASON.set(entry.items.reason, code as ItemsCode)
  if (entry.moopanel && !MOOPANEL_BY_MESSAGE.has(entry.moopanel.message)) MOOPANEL_BY_MESSAGE.set(entry.moopanel.message, code as MoopanelCode)
  if (entry.packages) PACKAGES_BY_CODE.set(entry.packages.code, code as PackageCode)
}
