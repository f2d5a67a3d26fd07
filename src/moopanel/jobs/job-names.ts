/**
 * Every job type name of the management API, in one place. Names are data stored in the job table:
 * stable, never renamed without a migration. Each job file declares its type with its name from
 * here, and `job-names.test.ts` checks that the service's registry and this list agree both ways.
 * This file imports nothing, so routes and listings can name a type without loading its work.
 */
export const JOB_NAMES = {
  backupCreate: 'backup_course',
  backupDelete: 'backup_course_delete',
  backupRestore: 'backup_course_restore',
  callbackSend: 'callback.send',
  coreUpdate: 'core_update',
  pluginsUpdate: 'plugins_update',
  pluginsInstallZip: 'plugins_install_zip',
  pluginUninstall: 'plugin_uninstall',
  adminPresetCreate: 'admin_presets_create',
  jobSettle: 'job.settle',
  updateCheckRefresh: 'update_check_refresh',
} as const

/** A job type name of the management API. */
export type JobName = (typeof JOB_NAMES)[keyof typeof JOB_NAMES]

export const CORE_UPDATE_JOB = JOB_NAMES.coreUpdate
export const PLUGINS_UPDATE_JOB = JOB_NAMES.pluginsUpdate
export const PLUGINS_INSTALL_ZIP_JOB = JOB_NAMES.pluginsInstallZip
export const BACKUP_CREATE_JOB = JOB_NAMES.backupCreate
export const BACKUP_DELETE_JOB = JOB_NAMES.backupDelete
export const BACKUP_RESTORE_JOB = JOB_NAMES.backupRestore
export const ADMIN_PRESET_CREATE_JOB = JOB_NAMES.adminPresetCreate

/** The types `/tasks/check` answers for (moopanel-api.md §5.1); the others are internal. */
export const PUBLIC_JOB_NAMES: readonly JobName[] = [
  PLUGINS_UPDATE_JOB, PLUGINS_INSTALL_ZIP_JOB, CORE_UPDATE_JOB, ADMIN_PRESET_CREATE_JOB,
  BACKUP_CREATE_JOB, BACKUP_RESTORE_JOB, BACKUP_DELETE_JOB,
]
