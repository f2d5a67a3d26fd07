import type { Moodle } from '../moodle.ts'
import { dbInt } from '../../shared/db-integer.ts'
import { equalsInConstantTime } from './constant-time.ts'

/** A row of `mdl_external_tokens` with its external service (null when the service row is gone). */
export interface WebServiceToken {
  id: number
  tokenType: number
  userId: number
  contextId: number
  /** Session id of a session-bound token; empty when none. */
  sid: string
  /** Allowed client addresses; empty = any. */
  ipRestriction: string
  /** Expiry (unix seconds); 0 = never. */
  validUntil: number
  lastAccess: number
  service: ExternalService | null
}

export interface ExternalService {
  id: number
  enabled: boolean
  shortname: string
  /** Empty when none. */
  requiredCapability: string
  restrictedUsers: boolean
}

/** A row of `mdl_external_services_users`. */
export interface ServiceUser {
  /** 0 = no limit. */
  validUntil: number
  /** Empty = any address. */
  ipRestriction: string
}

/** Candidates per look-up: MySQL collations may match tokens that differ in case or trailing blanks. */
const MAX_CANDIDATES = 16

/**
 * The token row whose stored `token` equals `token` byte for byte (compared in constant time), with
 * its service, in one query; null when there is none.
 */
export async function findWebServiceToken(moodle: Moodle, token: string): Promise<WebServiceToken | null> {
  const rows = await moodle.db
    .selectFrom('mdl_external_tokens as t')
    .leftJoin('mdl_external_services as s', 's.id', 't.externalserviceid')
    .select([
      't.id', 't.token', 't.tokentype', 't.userid', 't.contextid', 't.sid', 't.iprestriction', 't.validuntil', 't.lastaccess',
      's.id as service_id', 's.enabled', 's.shortname', 's.requiredcapability', 's.restrictedusers',
    ])
    .where('t.token', '=', token)
    .orderBy('t.id')
    .limit(MAX_CANDIDATES)
    .execute()
  let match: (typeof rows)[number] | undefined
  for (const row of rows) if (equalsInConstantTime(row.token, token) && !match) match = row
  if (!match) return null
  const r = match
  return {
    id: dbInt(r.id),
    tokenType: dbInt(r.tokentype),
    userId: dbInt(r.userid),
    contextId: dbInt(r.contextid),
    sid: r.sid ?? '',
    ipRestriction: r.iprestriction ?? '',
    validUntil: dbInt(r.validuntil),
    lastAccess: dbInt(r.lastaccess),
    service:
      r.service_id === null || r.service_id === undefined
        ? null
        : {
            id: dbInt(r.service_id),
            enabled: dbInt(r.enabled) === 1,
            shortname: r.shortname ?? '',
            requiredCapability: r.requiredcapability ?? '',
            restrictedUsers: dbInt(r.restrictedusers) === 1,
          },
  }
}

/** The `mdl_external_services_users` rows of one service and user (normally zero or one). */
export async function readServiceUsers(moodle: Moodle, serviceId: number, userId: number): Promise<ServiceUser[]> {
  const rows = await moodle.db
    .selectFrom('mdl_external_services_users')
    .select(['validuntil', 'iprestriction'])
    .where('externalserviceid', '=', serviceId)
    .where('userid', '=', userId)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({ validUntil: dbInt(r.validuntil), ipRestriction: r.iprestriction ?? '' }))
}

/**
 * Sets the token's `lastaccess` to `nowS` when it is at least 60 s older (items-api.md §5.4 step 14,
 * as Moodle does); true when a row was changed. The only write the Items API makes to Moodle.
 */
export async function touchTokenLastAccess(moodle: Moodle, tokenId: number, nowS: number): Promise<boolean> {
  const result = await moodle.db
    .updateTable('mdl_external_tokens')
    .set({ lastaccess: nowS })
    .where('id', '=', tokenId)
    .where((eb) => eb.or([eb('lastaccess', 'is', null), eb('lastaccess', '<=', nowS - 60)]))
    .executeTakeFirst()
  return dbInt(result.numUpdatedRows) > 0
}
