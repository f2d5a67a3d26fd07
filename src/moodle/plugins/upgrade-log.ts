import type { Moodle } from '../moodle.ts'
import { dbInt } from '../../shared/db-integer.ts'

/** One row of Moodle's upgrade log with the acting user's name and e-mail. */
export interface UpgradeLogEntry {
  id: number
  type: number
  plugin: string
  version: string | null
  targetversion: string | null
  info: string
  details: string | null
  backtrace: string | null
  userid: number | null
  timemodified: number
  username: string | null
  email: string | null
}

/**
 * Upgrade-log rows, newest first, for one component or all, with user names from a join (never
 * a query per row).
 */
export async function listUpgradeLog(moodle: Moodle, component?: string): Promise<UpgradeLogEntry[]> {
  let q = moodle.db
    .selectFrom('mdl_upgrade_log as l')
    .leftJoin('mdl_user as u', (join) => join.onRef('u.id', '=', 'l.userid').on('l.userid', '>', 0))
    .select([
      'l.id', 'l.type', 'l.plugin', 'l.version', 'l.targetversion', 'l.info', 'l.details', 'l.backtrace',
      'l.userid', 'l.timemodified', 'u.username', 'u.email',
    ])
  if (component !== undefined) q = q.where('l.plugin', '=', component)
  const rows = await q.orderBy('l.id', 'desc').execute()
  // The inventory keeps every row for as long as the site is open: the values repeat a lot (the
  // same few messages, versions, components and users), so each distinct one is kept once.
  const pool = new Map<string, string>()
  const one = <T extends string | null | undefined>(value: T): T => {
    if (typeof value !== 'string') return value
    const kept = pool.get(value)
    if (kept !== undefined) return kept as T
    pool.set(value, value)
    return value
  }
  return rows.map((r) => ({
    id: dbInt(r.id),
    type: dbInt(r.type),
    plugin: one(r.plugin ?? ''),
    version: one(r.version),
    targetversion: one(r.targetversion),
    info: one(r.info),
    details: one(r.details),
    backtrace: one(r.backtrace),
    userid: dbInt(r.userid) > 0 ? dbInt(r.userid) : null,
    timemodified: dbInt(r.timemodified),
    username: one(r.username ?? null),
    email: one(r.email ?? null),
  }))
}

/** A cheap fingerprint of the log: row count, highest id, latest change of a logged user. */
export async function upgradeLogSignature(moodle: Moodle): Promise<string> {
  const row = await moodle.db
    .selectFrom('mdl_upgrade_log as l')
    .leftJoin('mdl_user as u', (join) => join.onRef('u.id', '=', 'l.userid').on('l.userid', '>', 0))
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('l.id').as('maxid'), eb.fn.max('u.timemodified').as('usermod')])
    .executeTakeFirst()
  return `${String(row?.n)}:${String(row?.maxid)}:${String(row?.usermod)}`
}

/** Whether a row belongs in `/plugins` (the original plugin drops "Starting" and savepoint rows). */
export function isUsefulUpgradeRow(entry: UpgradeLogEntry): boolean {
  return !entry.info.includes('Starting') && !entry.info.includes('savepoint reached')
}
