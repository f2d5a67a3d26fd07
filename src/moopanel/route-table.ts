/**
 * The management API, one entry per endpoint, sub-path and method (moopanel-api.md §3.2, §4): its
 * handler, query parameters, payload fields (with the checks the error mapper makes before the
 * handler runs), answers and errors. Routing, the `Allow` header, metric labels, request checks and
 * the OpenAPI document are all derived from this table (the document's own two routes are in
 * openapi/moopanel-openapi.ts, which builds the document from this table).
 */
import type { MoopanelCode } from '../shared/error-catalogue.ts'
import { errorReply, type EndpointHandler } from './context.ts'
import { errorTuple, fieldCheck } from './error-mapper.ts'
import type { Route } from './route-types.ts'
import { adminPresets } from './routes/admin-presets.ts'
import { getApiKeyStatus, postApiKeyStatus } from './routes/api-key-status.ts'
import { backupsInProgress } from './routes/backups.ts'
import { createBackups } from './routes/backups-create.ts'
import { deleteBackups } from './routes/backups-delete.ts'
import { restoreBackup } from './routes/backups-restore.ts'
import { courses } from './routes/courses.ts'
import { moodleCore } from './routes/moodle-core.ts'
import { postMoodleCore } from './routes/moodle-core-update.ts'
import { pluginDetails, pluginPostOther, pluginUninstall } from './routes/plugin.ts'
import { plugins } from './routes/plugins.ts'
import { postPluginInstallZip, postPluginUpdates } from './routes/plugins-updates.ts'
import { dashboard, testConnection } from './routes/site.ts'
import { tasksCheck } from './routes/tasks.ts'
import { user } from './routes/user.ts'
import { usersCount, usersList, usersOnline } from './routes/users.ts'
import * as S from './route-schemas.ts'

const fails = (code: MoopanelCode): EndpointHandler => async () => errorReply(code)
const E = errorTuple
const flags = (...names: string[]) => names.map((name) => ({ name, schema: S.FLAG, description: 'flag: on when present, whatever its value (§3.6)' }))

export const ROUTES: readonly Route[] = [
  {
    endpoint: 'test_connection', subPath: '*', method: 'GET', section: '4.1', summary: 'Site identity (also `GET /`)',
    handler: testConnection, answers: [{ status: 200, description: 'Site identity', schema: S.SITE }],
  },
  {
    endpoint: 'dashboard', subPath: '*', method: 'GET', section: '4.2', summary: 'Site identity with short name and compact logo',
    handler: dashboard, answers: [{ status: 200, description: 'Site identity', schema: S.DASHBOARD }],
  },
  {
    endpoint: 'api_key_status', subPath: '*', method: 'GET', section: '4.3', summary: "The key's expiry",
    handler: getApiKeyStatus, answers: [{ status: 200, description: '"permanent" or MM/DD/YYYY HH:MM:SS', schema: S.KEY_STATUS }],
  },
  {
    endpoint: 'api_key_status', subPath: '*', method: 'POST', section: '4.3', summary: "Records the key's expiry",
    handler: postApiKeyStatus,
    body: [{ name: 'key_expiration_date', schema: S.KEY_EXPIRY, required: true, check: fieldCheck('MB_KEY_EXPIRY_MISSING', { schema: {} }) }],
    answers: [{ status: 201, description: 'Expiry recorded', schema: S.KEY_RECORDED }],
    errors: [E('MB_KEY_EXPIRY_INVALID')],
  },
  {
    endpoint: 'users', subPath: 'online', method: 'GET', section: '4.4', summary: 'Users active in a time window',
    handler: usersOnline,
    query: ['timeStart', 'timeEnd'].map((name) => ({
      name, schema: S.DIGITS, description: 'integer timestamp', check: fieldCheck('MB_USERS_INVALID_TIME_WINDOW'),
    })),
    answers: [{ status: 200, description: 'All and online users', schema: S.USERS_ONLINE }],
    errors: [E('MB_USERS_START_AFTER_END')],
  },
  {
    endpoint: 'users', subPath: 'count', method: 'GET', section: '4.4', summary: 'Number of matching users',
    handler: usersCount, query: [{ name: 'search', schema: S.STRING }],
    answers: [{ status: 200, description: 'Number of users', schema: S.USERS_COUNT }],
  },
  {
    endpoint: 'users', subPath: '*', method: 'GET', section: '4.4', summary: 'Lists users (any other sub-path lists too)',
    handler: usersList,
    query: [
      { name: 'search', schema: S.STRING },
      { name: 'fields', schema: S.STRING, description: '`*` or a comma list of user columns' },
      { name: 'sort', schema: S.STRING, description: '`column [ASC|DESC]` items; default `lastname ASC`' },
      { name: 'page', schema: S.DIGITS, description: 'integer ≥ 0; paging is on when page or perpage is given' },
      { name: 'perpage', schema: S.DIGITS, description: 'integer 1..5000, default 100' },
    ],
    answers: [{ status: 200, description: 'Users (streamed when not paged)', schema: S.USERS_LIST }],
    errors: [E('MB_USERS_INVALID_FIELDS'), E('MB_USERS_INVALID_SORT'), E('MB_USERS_INVALID_PAGING')],
  },
  {
    endpoint: 'users', subPath: '*', method: 'POST', section: '4.4', summary: 'Not implemented',
    handler: fails('MB_USERS_NOT_IMPLEMENTED'), answers: [], errors: [E('MB_USERS_NOT_IMPLEMENTED')],
  },
  {
    endpoint: 'user', subPath: '*', method: 'GET', section: '4.5', summary: 'One user',
    handler: user,
    query: ['upn', 'username', 'email', 'id'].map((name) => ({ name, schema: S.STRING, description: 'the first given of upn, username, email, id' })),
    answers: [{ status: 200, description: 'The user', schema: S.USER }],
    errors: [E('MB_USER_NO_PARAMETERS'), E('MB_USER_NOT_FOUND')],
  },
  {
    endpoint: 'user', subPath: '*', method: 'POST', section: '4.5', summary: 'Not implemented',
    handler: fails('MB_NOT_IMPLEMENTED'), answers: [], errors: [E('MB_NOT_IMPLEMENTED')],
  },
  {
    endpoint: 'plugins', subPath: '*', method: 'GET', section: '4.6', summary: 'Installed plugins',
    handler: plugins, query: flags('displayupdates', 'displayupdateslog'),
    answers: [{ status: 200, description: 'Plugin inventory', schema: S.PLUGINS }],
  },
  {
    endpoint: 'plugins', subPath: 'updates', method: 'POST', section: '4.7', summary: 'Installs updates from the plugin directory (one job)',
    handler: postPluginUpdates, async: true,
    body: [
      { name: 'instance_id', schema: S.ID_VALUE, required: true, check: fieldCheck('MB_INSTANCE_ID_INVALID') },
      { name: 'updates', schema: S.PLUGIN_UPDATE_ITEMS, required: true, check: fieldCheck('MB_PLUGIN_UPDATES_MISSING', { schema: S.NON_EMPTY_ARRAY }) },
      { name: 'user_id', schema: S.NULLABLE_ID_VALUE },
      { name: 'username', schema: S.USERNAME },
    ],
    answers: [{ status: 200, description: 'Job accepted', schema: S.jobAccepted('Plugins update in progress.') }],
    errors: [E('MB_INVALID_FIELD')],
  },
  {
    endpoint: 'plugins', subPath: 'installzip', method: 'POST', section: '4.8', summary: 'Installs plugins from ZIP URLs (one job)',
    handler: postPluginInstallZip, async: true,
    body: [
      { name: 'instance_id', schema: S.ID_VALUE, required: true, check: fieldCheck('MB_INSTANCE_ID_INVALID') },
      { name: 'updates', schema: S.ZIP_URLS, required: true, check: fieldCheck('MB_PLUGIN_ZIP_URLS_MISSING', { schema: S.NON_EMPTY_ARRAY }) },
      { name: 'user_id', schema: S.NULLABLE_ID_VALUE },
      { name: 'username', schema: S.USERNAME },
    ],
    answers: [{ status: 200, description: 'Job accepted', schema: S.jobAccepted('Plugins install in progress.') }],
    errors: [E('MB_INVALID_FIELD')],
  },
  {
    endpoint: 'plugins', subPath: '*', method: 'POST', section: '4.7', summary: 'Any other sub-path',
    handler: fails('MB_PLUGINS_UNDEFINED_METHOD'), answers: [], errors: [E('MB_PLUGINS_UNDEFINED_METHOD')],
  },
  {
    endpoint: 'plugin', subPath: '*', method: 'GET', section: '4.9', summary: 'One plugin',
    handler: pluginDetails,
    query: [S.PLUGIN_PARAM, ...flags('displayupdates', 'displayupdateslog', 'displayconfig')],
    answers: [{ status: 200, description: 'The plugin', schema: S.PLUGIN }],
    errors: [E('MB_PLUGIN_NOT_FOUND')],
  },
  {
    endpoint: 'plugin', subPath: 'uninstall', method: 'POST', section: '4.10', summary: 'Uninstalls a plugin (waits for the outcome)',
    handler: pluginUninstall, query: [S.PLUGIN_PARAM],
    body: [{ name: 'confirm', schema: S.TRUE, required: true, description: 'must be JSON true' }],
    answers: [{ status: 200, description: 'Outcome', schema: S.UNINSTALLED }],
    errors: [E('MB_PLUGIN_NOT_FOUND'), E('MB_UNINSTALL_NOT_CONFIRMED'), E('MB_UNINSTALL_REFUSED'), E('MB_SERVICE_BUSY')],
  },
  {
    endpoint: 'plugin', subPath: '*', method: 'POST', section: '4.9', summary: 'Any other sub-path (after the plugin checks)',
    handler: pluginPostOther, query: [S.PLUGIN_PARAM], answers: [],
    errors: [E('MB_PLUGIN_NOT_FOUND'), E('MB_NOT_IMPLEMENTED')],
  },
  {
    endpoint: 'moodle_core', subPath: '*', method: 'GET', section: '4.11', summary: 'Core version, available core updates, core upgrade log',
    handler: moodleCore, answers: [{ status: 200, description: 'Core', schema: S.MOODLE_CORE }],
  },
  {
    endpoint: 'moodle_core', subPath: '*', method: 'POST', section: '4.12', summary: 'Starts a core update (one job; any sub-path)',
    handler: postMoodleCore, async: true,
    body: [
      { name: 'instance_id', schema: S.ID_VALUE, required: true, check: fieldCheck('MB_INSTANCE_ID_INVALID') },
      { name: 'update_id', schema: S.ID_VALUE, required: true, check: fieldCheck('MB_CORE_UPDATE_ID_MISSING') },
      { name: 'version', schema: S.CORE_VERSION, required: true, check: fieldCheck('MB_CORE_VERSION_MISSING') },
      { name: 'download', schema: S.NON_EMPTY_STRING, required: true, check: fieldCheck('MB_CORE_DOWNLOAD_MISSING') },
      { name: 'user_id', schema: S.NULLABLE_ID_VALUE, check: fieldCheck('MB_INVALID_FIELD', { params: { path: 'user_id' } }) },
    ],
    answers: [{ status: 200, description: 'Job accepted', schema: S.jobAccepted('Core update in progress.') }],
    errors: [E('MB_CORE_NO_UPDATES'), E('MB_CORE_VERSION_NOT_AVAILABLE')],
  },
  {
    endpoint: 'admin_presets', subPath: '*', method: 'GET', section: '4.13', summary: 'Exports the site configuration (one job; the XML follows by callback)',
    handler: adminPresets, async: true,
    query: [{ name: 'instanceid', schema: S.ID_TEXT, required: true, check: fieldCheck('MB_INSTANCE_ID_INVALID') }],
    answers: [{ status: 200, description: 'Job accepted', schema: S.PRESET_ACCEPTED }],
    errors: [E('MB_ADMIN_PRESETS_MISSING')],
  },
  {
    endpoint: 'tasks', subPath: 'check', method: 'GET', section: '4.14', summary: "A job's state",
    handler: tasksCheck,
    query: [
      { name: 'id', schema: S.TASK_ID, required: true, description: 'moodle_job_id; `0` counts as not given', check: fieldCheck('MB_TASK_ID_MISSING') },
      { name: 'type', schema: S.STRING, required: true, description: 'job type (§5.1)', check: fieldCheck('MB_TASK_TYPE_MISSING') },
    ],
    answers: [{ status: 200, description: 'State: 1 success, 2 unfinished, 3 failed, 4 unknown', schema: S.TASK_STATE }],
  },
  {
    endpoint: 'courses', subPath: '*', method: 'GET', section: '4.15', summary: 'Categories and courses',
    handler: courses, query: flags('displaycategories', 'displaycourses'),
    answers: [{ status: 200, description: 'Counts, categories and courses', schema: S.COURSES }],
  },
  {
    endpoint: 'backups', subPath: '*', method: 'GET', section: '4.16', summary: 'Backups in progress',
    handler: backupsInProgress, answers: [{ status: 200, description: 'Unfinished backup jobs', schema: S.BACKUPS_IN_PROGRESS }],
  },
  {
    endpoint: 'backups', subPath: '*', method: 'POST', section: '4.17', summary: 'Creates course backups (one job per course)',
    handler: createBackups, async: true,
    body: [
      { name: 'instance_id', schema: S.ID_VALUE, required: true, check: fieldCheck('MB_INSTANCE_ID_INVALID') },
      { name: 'mode', schema: S.BACKUP_MODE, description: 'default auto', check: fieldCheck('MB_BACKUP_MODE_INVALID') },
      { name: 'storage', schema: S.LOCAL_STORAGE, description: 'default local', check: fieldCheck('MB_STORAGE_NOT_LOCAL') },
      { name: 'courses', schema: S.COURSE_IDS, required: true, check: fieldCheck('MB_BACKUP_COURSES_MISSING') },
      { name: 'credentials', schema: {}, description: 'ignored' },
    ],
    answers: [{ status: 200, description: 'Jobs accepted per course', schema: S.BACKUPS_CREATED }],
  },
  {
    endpoint: 'backups', subPath: '*', method: 'PUT', section: '4.18', summary: 'Restores a backup into its course (one job)',
    handler: restoreBackup, async: true,
    body: [
      { name: 'moodle_course_id', schema: S.ID_VALUE, required: true, check: fieldCheck('MB_RESTORE_COURSE_ID_INVALID') },
      { name: 'link', schema: S.LINK, required: true },
      { name: 'instance_id', schema: S.ID_VALUE, required: true },
      { name: 'storage', schema: S.LOCAL_STORAGE, description: 'default local' },
      { name: 'password', schema: S.STRING, description: 'default ""' },
      { name: 'user_id', schema: S.NULLABLE_ID_VALUE },
      { name: 'backup_result_id', schema: S.NULLABLE_ID_VALUE },
      { name: 'credentials', schema: {}, description: 'ignored' },
    ],
    answers: [{ status: 200, description: 'Job accepted', schema: S.RESTORE_ACCEPTED }],
    errors: [
      E('MB_RESTORE_COURSE_NOT_FOUND'), E('MB_RESTORE_LINK_INVALID'),
      E('MB_RESTORE_INSTANCE_ID_INVALID'), E('MB_STORAGE_NOT_LOCAL'),
      E('MB_INVALID_FIELD'),
    ],
  },
  {
    endpoint: 'backups', subPath: '*', method: 'DELETE', section: '4.19', summary: 'Deletes backup files (one job per file)',
    handler: deleteBackups, async: true,
    body: [
      { name: 'instance_id', schema: S.ID_VALUE, required: true, check: fieldCheck('MB_DELETE_INSTANCE_ID_INVALID') },
      { name: 'storages', schema: S.STORAGES, required: true, check: fieldCheck('MB_DELETE_STORAGES_MISSING', { schema: S.NON_EMPTY_COLLECTION }) },
      { name: 'backups', schema: S.BACKUP_ITEMS, required: true, check: fieldCheck('MB_DELETE_BACKUPS_MISSING', { schema: S.NON_EMPTY_COLLECTION }) },
      { name: 'user_id', schema: S.NULLABLE_ID_VALUE, description: 'null for automatic pruning' },
    ],
    answers: [{ status: 200, description: 'Outcome per item', schema: S.BACKUPS_DELETED }],
    errors: [E('MB_INVALID_FIELD')],
  },
]
