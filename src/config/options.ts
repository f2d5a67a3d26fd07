import { z } from 'zod'

/**
 * Every configuration option of the service, in one zod schema. Names are the spec's option names
 * (moopanel-api.md §2) plus the service's own location and connection options. Each option can be
 * given in a config file (YAML or JSON, `--config FILE`) or as `MOODLE_BRIDGE_<NAME IN UPPER CASE>`;
 * lists are comma-separated in the environment.
 */

const bool = z.preprocess((v) => {
  if (typeof v !== 'string') return v
  const s = v.trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(s)) return true
  if (['0', 'false', 'no', 'off', ''].includes(s)) return false
  return v
}, z.boolean())

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess((v) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v), z.number().int().min(min).max(max))

const list = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : v),
  z.array(z.string().min(1)),
)

const httpUrl = z
  .string()
  .refine((s) => {
    try {
      const u = new URL(s)
      return u.protocol === 'http:' || u.protocol === 'https:'
    } catch {
      return false
    }
  }, 'must be an absolute http or https URL')
  .transform((s) => s.replace(/\/+$/, ''))

/** Structured values (maps, lists of objects) may be given as JSON text in the environment. */
const json = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => {
    if (typeof v !== 'string') return v
    try {
      return JSON.parse(v)
    } catch {
      return v
    }
  }, schema)

const budget = json(z.object({ max: z.number().int().min(1), window_s: z.number().int().min(1) }))

/** Option name → schema, with a one-line description used by `--help` and the README. */
export const OPTIONS = {
  // Where Moodle is and how to reach its database (override what config.php says).
  moodle_dir: { schema: z.string().min(1).optional(), doc: 'Moodle code directory (holds config.php)' },
  host: { schema: z.string().min(1).default('127.0.0.1'), doc: 'Address the API listens on' },
  port: { schema: int(0, 65535).default(8787), doc: 'Port the API listens on' },
  state_url: {
    schema: z.string().min(1).optional(),
    doc: "URL of the service's own store (postgres://…, mysql://…, pglite:///dir); default: Moodle's database",
  },
  state_prefix: {
    schema: z.string().regex(/^[a-z][a-z0-9_]{0,9}_$/).default('mb_'),
    doc: "Table prefix of the service's own tables",
  },
  db_type: { schema: z.enum(['pgsql', 'mysqli', 'mariadb', 'auroramysql']).optional(), doc: 'Overrides $CFG->dbtype' },
  db_host: { schema: z.string().optional(), doc: 'Overrides $CFG->dbhost' },
  db_port: { schema: int(1, 65535).optional(), doc: "Overrides $CFG->dboptions['dbport']" },
  db_socket: { schema: z.string().optional(), doc: "Overrides $CFG->dboptions['dbsocket']" },
  db_name: { schema: z.string().optional(), doc: 'Overrides $CFG->dbname' },
  db_user: { schema: z.string().optional(), doc: 'Overrides $CFG->dbuser' },
  db_pass: { schema: z.string().optional(), doc: 'Overrides $CFG->dbpass (secret)' },
  db_prefix: { schema: z.string().regex(/^[a-z0-9_]*$/i).optional(), doc: 'Overrides $CFG->prefix' },
  db_schema: { schema: z.string().optional(), doc: "Overrides $CFG->dboptions['dbschema'] (PostgreSQL)" },
  db_pool_size: { schema: int(1, 100).default(10), doc: 'Database connections per pool' },
  wwwroot: { schema: httpUrl.optional(), doc: 'Overrides $CFG->wwwroot' },
  dataroot: { schema: z.string().optional(), doc: 'Overrides $CFG->dataroot' },
  read_reuse_ms: {
    schema: int(0, 60_000).default(250),
    doc: 'How long Moodle state and identical read answers are reused (0 = read the database every time)',
  },
  log_level: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    doc: 'Log level',
  },
  log_format: {
    schema: z.enum(['auto', 'json', 'pretty']).default('auto'),
    doc: 'Log lines as JSON, as readable text (pretty), or readable only when standard output is a terminal (auto)',
  },

  // moopanel-api.md §2
  api_enabled: { schema: bool.optional(), doc: 'MooPanel API switch (default false; true when a key is configured)' },
  api_key: { schema: z.string().min(32).optional(), doc: 'Shared MooPanel key, at least 32 characters (secret)' },
  moopanel_url: { schema: httpUrl.optional(), doc: 'MooPanel base URL for callbacks' },
  ip_allowlist: { schema: list.default([]), doc: 'Allowed client addresses / CIDR ranges (empty = all)' },
  trusted_proxies: { schema: list.default([]), doc: 'Peers whose X-Forwarded-For is trusted' },
  auth_lockout_threshold: { schema: int(1).default(10), doc: 'Wrong-key failures per IP before a lock-out' },
  auth_lockout_window_s: { schema: int(1).default(600), doc: 'Window in which failures are counted' },
  auth_lockout_duration_s: { schema: int(1).default(900), doc: 'Length of a lock-out' },
  max_body_bytes: { schema: int(1).default(1048576), doc: 'Largest accepted request body' },
  timezone: { schema: z.string().optional(), doc: "Zone for GET /api_key_status (default: Moodle's)" },
  expose_secret_settings: { schema: bool.default(false), doc: 'Do not mask secret-looking plugin settings' },
  presets_include_sensitive: { schema: bool.default(false), doc: 'Include sensitive settings in preset exports' },
  update_check: { schema: z.enum(['auto', 'on', 'off']).default('auto'), doc: 'Background update-information refresh' },
  update_check_interval_s: { schema: int(60).default(7200), doc: 'Interval of that refresh' },
  download_allowed_hosts: { schema: list.default(['moodle.org', '*.moodle.org']), doc: 'Hosts packages may come from' },
  download_allow_http: { schema: bool.default(false), doc: 'Allow plain-HTTP downloads' },
  plugin_download_max_bytes: { schema: int(1).default(104857600), doc: 'Size limit of a plugin package' },
  core_download_max_bytes: { schema: int(1).default(1073741824), doc: 'Size limit of a core package' },
  zip_max_entries: { schema: int(1).default(100000), doc: 'Entry limit of any unpacked ZIP' },
  zip_max_uncompressed_bytes: { schema: int(1).default(2147483648), doc: 'Unpacked size limit of any ZIP' },
  code_staging_dir: { schema: z.string().optional(), doc: 'Staging/rollback area (default .moodle-bridge beside the Moodle root)' },
  rollback_retention_days: { schema: int(0).default(7), doc: 'Days replaced code folders are kept' },
  core_update_preserve_paths: { schema: list.default([]), doc: 'Extra local files kept by a core update' },
  post_code_change_command: { schema: z.string().optional(), doc: 'Command run after every code swap' },
  php_binary: { schema: z.string().min(1).default('php'), doc: 'PHP CLI used for Moodle scripts' },
  php_run_as: {
    schema: z.string().regex(/^(auto|self|owner|\d+:\d+)$/).default('auto'),
    doc: "Whom PHP runs as: auto (the dataroot's owner when the service runs as root), self, owner, or uid:gid",
  },
  idempotency_window_s: { schema: int(0).default(900), doc: 'Idempotency window of asynchronous requests' },
  queue_max_pending: { schema: int(1).default(500), doc: 'Unfinished jobs before new work is refused' },
  job_concurrency: { schema: int(1).default(2), doc: 'Parallel non-Moodle-changing jobs' },
  job_workers: {
    schema: z.enum(['in-process', 'off']).default('in-process'),
    doc: "Run job workers inside the API process, or leave jobs to `bin/moodle-bridge worker` processes",
  },
  job_lease_s: {
    schema: int(5, 3600).default(60),
    doc: 'Job lease: a job whose worker died is taken over this long after its last heartbeat',
  },
  job_retention_days: { schema: int(1).default(90), doc: 'Days finished jobs are kept' },
  callback_max_age_s: { schema: int(1).default(86400), doc: 'How long callbacks are retried' },
  callback_rate_per_minute: { schema: int(1).default(30), doc: 'Callback requests per minute at most' },
  audit_retention_days: { schema: int(1).default(180), doc: 'Days audit records are kept' },
  sites: {
    schema: z.string().min(1).optional(),
    doc: 'Sites file (YAML/JSON): serve several Moodle sites from this process, routed by host and path prefix (docs/sites.md)',
  },
  sites_idle_close_s: {
    schema: int(0).default(600),
    doc: 'With sites: close a site unused this long and without unfinished jobs (0 = never)',
  },
  sites_max_open: {
    schema: int(0).default(100),
    doc: 'With sites: sites open at once at most (0 = no cap); the least recently used idle one is closed first. Bounds open database connections',
  },
  sites_job_concurrency: {
    schema: int(1).default(1),
    doc: 'With sites: jobs running at once per site, across every worker of the store (job_concurrency caps each process)',
  },
  ops_listen: {
    schema: z.string().regex(/^((\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}|off)$/).default('127.0.0.1:9464'),
    doc: 'Listener for /healthz, /readyz and /metrics (host:port, port 0 = any free port, or off)',
  },

  // items-api.md §2.3 (the Items API itself arrives with issue #4; its options are validated now)
  mdg_core_api_enabled: { schema: bool.optional(), doc: 'Items API switch (MIDDAG name)' },
  mdg_core_api_openapi_public: { schema: bool.optional(), doc: 'Serve the Items OpenAPI document without authentication' },
  items_mount_path: { schema: z.string().regex(/^\/.*[^/]$/).optional(), doc: 'Mount path of the Items API' },
  items_table_prefix: { schema: z.string().regex(/^[a-z][a-z0-9_]{0,9}_$/).default('mb_'), doc: 'Prefix of the Items tables' },
  items_builtin_types: {
    schema: list.pipe(z.array(z.enum(['generic', 'course_group', 'company', 'course', 'course_category', 'user', 'cohort']))).optional(),
    doc: 'Built-in item types to register (default all seven)',
  },
  items_types: { schema: json(z.array(z.record(z.string(), z.unknown()))).default([]), doc: 'Inline item type declarations (JSON)' },
  items_type_files: { schema: list.default([]), doc: 'YAML/JSON files of item type declarations' },
  items_extensions: { schema: list.default([]), doc: 'Extension modules to load' },
  items_type_capabilities: {
    schema: json(z.record(z.string(), z.object({ capability: z.string(), readCapability: z.string() }))).default({}),
    doc: 'Capabilities per item type (JSON)',
  },
  items_require_if_match: { schema: bool.default(false), doc: 'Require If-Match on PUT/PATCH/DELETE' },
  items_max_body_bytes: { schema: int(1).default(1048576), doc: 'Largest accepted Items request body' },
  items_settings_cache_s: { schema: int(0).default(30), doc: 'Cache lifetime of Moodle settings read by the Items API (capped at 1 s: changes are honoured within 2 s)' },
  items_moodle_config: { schema: json(z.record(z.string(), z.string())).default({}), doc: 'Moodle settings overrides (JSON map)' },
  items_cors_enabled: { schema: bool.default(false), doc: 'CORS on the Items API' },
  items_cors_origins: { schema: list.default([]), doc: 'Allowed CORS origins, or *' },
  items_cors_credentials: { schema: bool.default(false), doc: 'Send Access-Control-Allow-Credentials' },
  items_cors_max_age_s: { schema: int(0).default(600), doc: 'CORS preflight cache lifetime' },
  items_rate_limit_enabled: { schema: bool.default(true), doc: 'Rate limiting of the Items API' },
  items_rate_limit_per_ip: { schema: budget.default({ max: 600, window_s: 60 }), doc: 'Budget per client address (JSON {max, window_s})' },
  items_rate_limit_per_user: { schema: budget.default({ max: 300, window_s: 60 }), doc: 'Budget per user (JSON {max, window_s})' },
  items_jwt_hs256_secret: { schema: z.string().min(32).optional(), doc: 'HS256 shared secret, at least 32 bytes (secret)' },
  items_jwt_public_key: { schema: z.string().optional(), doc: 'SPKI PEM public key for RS256/ES256' },
  items_jwt_jwks_url: { schema: httpUrl.optional(), doc: 'JWKS endpoint' },
  items_jwt_issuer: { schema: list.optional(), doc: 'Accepted iss values' },
  items_jwt_audience: { schema: list.optional(), doc: 'Accepted aud values' },
  items_jwt_clock_tolerance_s: { schema: int(0).default(60), doc: 'Clock skew allowed on exp/nbf/iat' },
  items_jwt_username_claim: { schema: z.string().min(1).default('username'), doc: 'Claim used when sub is absent' },
  items_wstoken_enabled: { schema: bool.default(true), doc: 'Accept Moodle web service tokens' },
  items_wstoken_allowed_services: { schema: list.default([]), doc: 'External service shortnames whose tokens are accepted' },
  items_wstoken_update_lastaccess: { schema: bool.default(false), doc: 'Maintain mdl_external_tokens.lastaccess' },
  items_session_handler: { schema: z.enum(['auto', 'file', 'database', 'none']).default('auto'), doc: "Moodle's session handler" },
  items_session_file_save_path: { schema: z.string().optional(), doc: 'Where the file session handler keeps sessions' },
} as const

export type OptionName = keyof typeof OPTIONS

/** Options whose values are never printed. */
export const SECRET_OPTIONS: ReadonlySet<OptionName> = new Set(['api_key', 'db_pass', 'items_jwt_hs256_secret'])

/** Environment aliases the CLI documents (issue #2): alias → option. */
export const ENV_ALIASES: Readonly<Record<string, OptionName>> = {
  MOODLE_BRIDGE_MOOPANEL_KEY: 'api_key',
}

/** The environment variable of an option. */
export function envName(option: string): string {
  return `MOODLE_BRIDGE_${option.toUpperCase()}`
}
