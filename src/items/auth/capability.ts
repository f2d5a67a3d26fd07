import { holdsSystemCapability, type Moodle, type MoodleAuthSettings } from '../../moodle/index.ts'

/**
 * `has(user, capability)` at system context (items-api.md §6.2): site administrators hold every
 * capability; everybody else by their system-context role assignments plus `defaultuserroleid`,
 * read afresh from Moodle's tables.
 */
export async function hasSystemCapability(
  moodle: Moodle,
  settings: MoodleAuthSettings,
  userId: number,
  capability: string,
): Promise<boolean> {
  if (settings.siteAdmins.has(userId)) return true
  return holdsSystemCapability(moodle, { userId, capability, defaultRoleId: settings.defaultUserRoleId })
}
