/** Job type names that other parts of the API refer to (stored in the database: never renamed). */
export const CORE_UPDATE_JOB = 'core_update'
export const PLUGINS_UPDATE_JOB = 'plugins_update'
export const PLUGINS_INSTALL_ZIP_JOB = 'plugins_install_zip'
