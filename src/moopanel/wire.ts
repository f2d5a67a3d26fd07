import type { AvailableUpdate, CoreUpdate, UpgradeLogEntry } from '../moodle/index.ts'

/** UpdateInfo (moopanel-api.md §4.0). */
export function updateInfo(u: AvailableUpdate) {
  return {
    component: u.component,
    version: u.version,
    release: u.release,
    maturity: u.maturity,
    url: u.url,
    download: u.download,
    downloadmd5: u.downloadmd5,
    type: 'plugin',
  }
}

/** CoreUpdateInfo, with the misspelt `compotent` key MooPanel reads. */
export function coreUpdateInfo(u: CoreUpdate) {
  return {
    compotent: 'core',
    component: 'core',
    version: u.version,
    type: u.type,
    release: u.release,
    maturity: u.maturity,
    url: u.url,
    download: u.download,
    downloadmd5: u.downloadmd5,
  }
}

/** UpgradeLogRow. */
export function upgradeLogRow(e: UpgradeLogEntry) {
  return {
    id: e.id,
    type: e.type,
    plugin: e.plugin,
    version: e.version,
    targetversion: e.targetversion,
    info: e.info,
    details: e.details,
    backtrace: e.backtrace,
    userid: e.userid,
    timemodified: e.timemodified,
    username: e.username,
    email: e.email,
  }
}
