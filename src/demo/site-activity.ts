import { createHash } from 'node:crypto'
import type { SqlRow } from './bulk-insert.ts'
import type { CourseInfo } from './course-catalogue.ts'
import { DAY, HOUR, MINUTE, type DemoContext } from './demo-context.ts'
import { SYSTEM_CONTEXT_ID } from './insert-contexts.ts'
import { ADMIN_ID, type UserSummary } from './insert-users.ts'
import { ALPHANUMERIC } from './random.ts'

const HOSTNAME = 'demo-cron-1'

/** Rows of the "live" tables: MNet hosts, sessions, web services, tasks, backups. */
export interface ActivityRows {
  mnetHosts: SqlRow[]
  sessions: SqlRow[]
  services: SqlRow[]
  tokens: SqlRow[]
  /** `mdl_external_services_users`: who may use the restricted reporting service. */
  serviceUsers: SqlRow[]
  adhocTasks: SqlRow[]
  backups: SqlRow[]
}

/**
 * What a running site has at the moment: a session for every user seen in the last 5 minutes
 * (plus the admin and two visitors), web services with a few tokens (one expired), queued,
 * running, failing and abandoned adhoc tasks, and backup controllers in several states.
 */
export function buildActivity(
  ctx: DemoContext, users: readonly UserSummary[], courses: readonly CourseInfo[],
): ActivityRows {
  const r = ctx.random('activity')
  const sid = () => r.string(26, 'abcdefghijklmnopqrstuv0123456789')
  const online = users.filter((u) => u.active && u.lastaccess >= ctx.now - 5 * MINUTE)
  const sessions: SqlRow[] = []
  const session = (userid: number, timecreated: number, timemodified: number, ip: string) =>
    sessions.push({ id: sessions.length + 1, state: 0, sid: sid(), userid, sessdata: null, timecreated, timemodified, firstip: ip, lastip: ip })
  for (const visitor of [0, 1]) session(0, ctx.now - 120 - visitor * 40, ctx.now - 100 - visitor * 40, `203.0.113.${200 + visitor}`)
  for (const user of online) session(user.id, Math.min(user.currentlogin, user.lastaccess), user.lastaccess, user.lastip)

  const someone = online.find((u) => u.id > ADMIN_ID) ?? users.find((u) => u.active && u.id > ADMIN_ID)
  const course = (index: number) => courses[index % Math.max(courses.length, 1)]?.id ?? 1
  const backupId = () => r.hex(32)
  const asyncBackup = backupId()

  const tokens: SqlRow[] = [
    token(1, r.hex(32), null, ADMIN_ID, 2, ADMIN_ID, '192.0.2.0/24', 0, ctx.now - 100 * DAY, ctx.now - 2 * HOUR, 'Nightly reporting export'),
    token(2, r.hex(32), null, ADMIN_ID, 2, ADMIN_ID, null, ctx.now - 5 * DAY, ctx.now - 200 * DAY, ctx.now - 6 * DAY, 'Old dashboard (expired)'),
  ]
  if (someone) {
    tokens.push(token(3, r.hex(32), r.string(64, ALPHANUMERIC), someone.id, 1, someone.id, null, 0, ctx.now - 10 * DAY, ctx.now - HOUR, 'Moodle mobile app'))
  }

  return {
    mnetHosts: [
      mnetHost(1, ctx.wwwroot, '127.0.0.1', ''),
      mnetHost(2, '', '', 'All Hosts'),
    ],
    sessions,
    services: [
      { id: 1, name: 'Moodle mobile web service', enabled: 1, requiredcapability: null, restrictedusers: 0, component: 'moodle', timecreated: ctx.installedAt, timemodified: ctx.installedAt + 60, shortname: 'moodle_mobile_app', downloadfiles: 1, uploadfiles: 1 },
      { id: 2, name: 'Demo reporting integration', enabled: 1, requiredcapability: 'moodle/site:viewreports', restrictedusers: 1, component: null, timecreated: ctx.now - 101 * DAY, timemodified: ctx.now - 101 * DAY, shortname: 'demo_reporting', downloadfiles: 0, uploadfiles: 0 },
      { id: 3, name: 'Bridge demo sync', enabled: 0, requiredcapability: null, restrictedusers: 0, component: 'local_bridgedemo', timecreated: ctx.now - 300 * DAY, timemodified: null, shortname: 'local_bridgedemo_sync', downloadfiles: 0, uploadfiles: 0 },
    ],
    tokens,
    serviceUsers: [
      { id: 1, externalserviceid: 2, userid: ADMIN_ID, iprestriction: '192.0.2.0/24', validuntil: 0, timecreated: ctx.now - 100 * DAY },
    ],
    adhocTasks: [
      task(1, 'core', '\\core\\task\\asynchronous_backup_task', ctx.now + 4 * MINUTE, 240, JSON.stringify({ backupid: asyncBackup }), ADMIN_ID, ctx.now - 40 * MINUTE, null, 9, ctx.now - 38 * MINUTE),
      task(2, 'tool_dataprivacy', '\\tool_dataprivacy\\task\\process_data_request_task', ctx.now - 3 * MINUTE, 0, '{"requestid":3}', null, ctx.now - 3 * MINUTE, null, 12, null),
      task(3, 'core', '\\core\\task\\send_login_notifications', ctx.now - 50, 0,
        JSON.stringify({ ismoodleapp: false, useragent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', loginip: someone?.lastip ?? '198.51.100.7', logintime: ctx.now - 51 }).replaceAll('/', '\\/'),
        someone?.id ?? ADMIN_ID, ctx.now - 50, null, 12, null),
      task(4, 'core_course', '\\core_course\\task\\course_delete_modules', ctx.now - 70, 0, '{"cms":[{"id":412}],"userid":2,"realuserid":2}', ADMIN_ID, ctx.now - 75, ctx.now - 65, 12, ctx.now - 65),
      task(5, 'core', '\\core\\task\\refresh_mod_calendar_events_task', ctx.now - 2 * DAY, 86400, '{"plugins":["flashdeck"]}', null, ctx.now - 22 * DAY, null, 0, ctx.now - 22 * DAY),
    ],
    backups: [
      backup(1, backupId(), 'backup', course(2), 10, 1, 1000, 1, ctx.now - 3 * DAY, 1, r.hex(32)),
      backup(2, backupId(), 'backup', course(8), 10, 1, 900, 1, ctx.now - DAY - 3 * HOUR, 0.42, r.hex(32)),
      backup(3, backupId(), 'restore', course(15), 10, 1, 1000, 1, ctx.now - 2 * DAY, 1, r.hex(32)),
      backup(4, asyncBackup, 'backup', course(20), 70, 2, 800, 2, ctx.now - 40 * MINUTE, 0.35, r.hex(32)),
    ],
  }
}

function mnetHost(id: number, wwwroot: string, ip: string, name: string): SqlRow {
  return {
    id, deleted: 0, wwwroot, ip_address: ip, name, public_key: '', public_key_expires: 0, transport: 0, portno: 0,
    last_connect_time: 0, last_log_id: 0, force_theme: 0, theme: null, applicationid: 1, sslverification: 0,
  }
}

function token(
  id: number, value: string, privatetoken: string | null, userid: number, externalserviceid: number, creatorid: number,
  iprestriction: string | null, validuntil: number, timecreated: number, lastaccess: number, name: string,
): SqlRow {
  return {
    id, token: value, privatetoken, tokentype: 0, userid, externalserviceid, sid: null, contextid: SYSTEM_CONTEXT_ID,
    creatorid, iprestriction, validuntil, timecreated, lastaccess, name,
  }
}

function task(
  id: number, component: string, classname: string, nextruntime: number, faildelay: number, customdata: string,
  userid: number | null, timecreated: number, timestarted: number | null, attemptsavailable: number, firststartingtime: number | null,
): SqlRow {
  const running = timestarted !== null
  return {
    id, component, classname, nextruntime, faildelay, customdata, userid, timecreated, timestarted,
    hostname: running ? HOSTNAME : null, pid: running ? 48213 : null, attemptsavailable, firststartingtime,
  }
}

function backup(
  id: number, backupid: string, operation: string, itemid: number, purpose: number, interactive: number,
  status: number, execution: number, timecreated: number, progress: number, checksum: string,
): SqlRow {
  const finished = status >= 900
  return {
    id, backupid, operation, type: 'course', itemid, format: 'moodle2', interactive: purpose === 70 ? 0 : interactive,
    purpose, userid: ADMIN_ID, status, execution, executiontime: execution === 2 ? timecreated + 60 : 0, checksum,
    timecreated, timemodified: timecreated + (finished ? 95 : 1500), progress, controller: '',
  }
}

/** `mdl_files` rows of the site logo (the file and its directory entry). */
export function logoFileRows(ctx: DemoContext, logo: Buffer, filename: string): SqlRow[] {
  const sha1 = (data: string | Buffer) => createHash('sha1').update(data).digest('hex')
  const area = `/${SYSTEM_CONTEXT_ID}/core_admin/logo/0/`
  const time = ctx.now - 100 * DAY + 14 * HOUR
  const row = (id: number, name: string, contenthash: string, filesize: number, mimetype: string | null): SqlRow => ({
    id, contenthash, pathnamehash: sha1(`${area}${name}`), contextid: SYSTEM_CONTEXT_ID, component: 'core_admin',
    filearea: 'logo', itemid: 0, filepath: '/', filename: name, userid: ADMIN_ID, filesize, mimetype, status: 0,
    source: name === '.' ? null : name, author: name === '.' ? null : 'Admin User', license: name === '.' ? null : 'unknown',
    timecreated: time, timemodified: time, sortorder: 0, referencefileid: null,
  })
  return [row(1, filename, sha1(logo), logo.length, 'image/png'), row(2, '.', sha1(''), 0, null)]
}
