import type { Moodle } from '../moodle.ts'
import { readLayeredSettings } from './layered-settings.ts'

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
] as const

export interface AuthSettingsReader {
  /** The settings, re-read from `mdl_config` at most every `cacheMs` (0 = every call). */
  read(): Promise<MoodleAuthSettings>
}

/**
 * A cached reader of the settings above. config.php values come from the `Moodle` handle (read at
 * start-up); concurrent callers share one database read.
 */
export function createAuthSettingsReader(
  moodle: Moodle,
  options: { overrides: Readonly<Record<string, string>>; cacheMs: number; nowMs?: () => number },
): AuthSettingsReader {
  const now = options.nowMs ?? Date.now
  let cached: { value: MoodleAuthSettings; atMs: number } | null = null
  let inFlight: Promise<MoodleAuthSettings> | null = null
  return {
    read() {
      if (cached && options.cacheMs > 0 && now() - cached.atMs < options.cacheMs) return Promise.resolve(cached.value)
      inFlight ??= (async () => {
        try {
          const startedMs = now()
          const value = parseAuthSettings(await readLayeredSettings(moodle, NAMES, options.overrides))
          cached = { value, atMs: startedMs }
          return value
        } finally {
          inFlight = null
        }
      })()
      return inFlight
    },
  }
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
