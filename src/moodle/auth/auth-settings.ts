import { BurstCache } from '../../shared/burst-cache.ts'
import type { Moodle } from '../moodle.ts'
import { readLayeredSettings } from './layered-settings.ts'
import { SESSION_SETTING_NAMES, sessionStoreFrom, type SessionStore, type SessionStoreOptions } from './session-store.ts'

/** The Moodle settings authentication and authorisation use (items-api.md §2.4), parsed. */
export interface MoodleAuthSettings {
  /** `siteadmins`: ids of site administrators. */
  siteAdmins: ReadonlySet<number>
  /** `siteguest`: the guest user's id, 0 when absent. */
  siteGuest: number
  /** `defaultuserroleid`: role every authenticated user holds at system context; 0 = none. */
  defaultUserRoleId: number
  /** `mnet_localhost_id`: `mnethostid` of local accounts (default 1). */
  mnetLocalHostId: number
  /** `enablewebservices` = 1. */
  webServicesEnabled: boolean
  /** `maintenance_enabled` = 1. */
  maintenanceEnabled: boolean
  /** `sessiontimeout` in seconds (default 28800). */
  sessionTimeoutS: number
  /** `sessioncookie`: suffix of the session cookie name (default empty). */
  sessionCookie: string
  /** `tracksessionip` = 1. */
  trackSessionIp: boolean
}

const NAMES = [
  'siteadmins', 'siteguest', 'defaultuserroleid', 'mnet_localhost_id', 'enablewebservices',
  'maintenance_enabled', 'sessiontimeout', 'sessioncookie', 'tracksessionip',
  ...SESSION_SETTING_NAMES,
] as const

/** Settings that decide access are re-read at most this often (issue #10: honoured within 2 s). */
export const SETTINGS_REFRESH_MS = 1000

/** The settings of one read, and the session store they choose. */
export interface AuthSettingsSnapshot {
  settings: MoodleAuthSettings
  sessionStore: SessionStore
}

export interface AuthSettingsReader {
  /**
   * The settings (one query of `mdl_config` for all of them). Reused for `min(cacheMs, 1 s)`; for
   * half as long again the previous value is served while one refresh runs; after that callers wait
   * for it. Every caller shares the read in flight. So a change shows within 1.5 s plus one query,
   * and a busy service reads the settings about once a second, not once per request.
   */
  read(): Promise<AuthSettingsSnapshot>
}

/** Database reads made by settings readers, per site (tests and diagnostics). */
const readCounts = new WeakMap<object, number>()

/** How many times the settings readers of `moodle` have read its settings so far. */
export function authSettingsReadCount(moodle: object): number {
  return readCounts.get(moodle) ?? 0
}

/**
 * A cached reader of the settings above. config.php values come from the `Moodle` handle (read at
 * start-up); `overrides` (`items_moodle_config`) win over both.
 */
export function createAuthSettingsReader(
  moodle: Moodle,
  options: { overrides: Readonly<Record<string, string>>; cacheMs: number; session: SessionStoreOptions; nowMs?: () => number },
): AuthSettingsReader {
  const ttlMs = Math.max(0, Math.min(options.cacheMs, SETTINGS_REFRESH_MS))
  const cache = new BurstCache<AuthSettingsSnapshot>(ttlMs, 1, ttlMs * 1.5, options.nowMs ?? Date.now)
  const load = async (): Promise<AuthSettingsSnapshot> => {
    readCounts.set(moodle, authSettingsReadCount(moodle) + 1)
    const raw = await readLayeredSettings(moodle, NAMES, options.overrides)
    return { settings: parseAuthSettings(raw), sessionStore: sessionStoreFrom(moodle, raw, options.session) }
  }
  return { read: () => cache.get('settings', load) }
}

/** Parses raw setting values; absent or malformed values take the documented defaults. */
export function parseAuthSettings(raw: ReadonlyMap<string, string>): MoodleAuthSettings {
  const admins = new Set<number>()
  for (const part of (raw.get('siteadmins') ?? '').split(',')) {
    const id = part.trim()
    if (/^[0-9]{1,16}$/.test(id) && Number(id) > 0) admins.add(Number(id))
  }
  return {
    siteAdmins: admins,
    siteGuest: intSetting(raw.get('siteguest'), 0),
    defaultUserRoleId: intSetting(raw.get('defaultuserroleid'), 0),
    mnetLocalHostId: intSetting(raw.get('mnet_localhost_id'), 1),
    webServicesEnabled: isOne(raw.get('enablewebservices')),
    maintenanceEnabled: isOne(raw.get('maintenance_enabled')),
    sessionTimeoutS: intSetting(raw.get('sessiontimeout'), 28800),
    sessionCookie: raw.get('sessioncookie') ?? '',
    trackSessionIp: isOne(raw.get('tracksessionip')),
  }
}

function intSetting(value: string | undefined, fallback: number): number {
  const s = value?.trim() ?? ''
  return /^-?[0-9]{1,16}$/.test(s) ? Number(s) : fallback
}

function isOne(value: string | undefined): boolean {
  return value?.trim() === '1'
}
