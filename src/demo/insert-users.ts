import { createHash } from 'node:crypto'
import type { BulkInsert, SqlRow } from './bulk-insert.ts'
import { DAY, HOUR, MINUTE, type DemoContext } from './demo-context.ts'
import { CULTURES, DEPARTMENTS, INSTITUTIONS, splitName, type Culture } from './names.ts'
import { ALPHANUMERIC, CRYPT_ALPHABET, type Random } from './random.ts'

export const GUEST_ID = 1
export const ADMIN_ID = 2
export const EMAIL_DOMAIN = 'demo.moodle.test'

/** What the other parts of the generator need to know about a user. */
export interface UserSummary {
  id: number
  username: string
  deleted: boolean
  suspended: boolean
  /** Can log in: not guest, deleted, suspended or unconfirmed. */
  active: boolean
  lastaccess: number
  currentlogin: number
  lastip: string
  timecreated: number
}

const BIOS = [
  'Keen on open educational resources.', 'Part-time student &amp; full-time parent.',
  'Teaching assistant in the first-year programme.', 'Interested in data science and statistics.',
  'Exchange student — ask me about my home town!', 'Loves languages: français, español, Deutsch.',
]

/**
 * Inserts `total` rows into `mdl_user` (guest id 1, admin id 2, then generated people) and
 * returns a summary of each. Deterministic for a seed; times are offsets from `now`.
 */
export async function insertUsers(ctx: DemoContext, out: BulkInsert, total: number): Promise<UserSummary[]> {
  if (!Number.isInteger(total) || total < 2) throw new Error('the demo needs at least 2 users (guest and admin)')
  const r = ctx.random('users')
  const summaries: UserSummary[] = []
  const add = async (row: SqlRow) => {
    await out.insert('mdl_user', row)
    summaries.push(summarise(row))
  }
  await add(guestRow(ctx, r))
  await add(adminRow(ctx, r))
  const usernames = new UsernameRegistry(['guest', 'admin'])
  const special = specialIds(total)
  for (let id = 3; id <= total; id++) await add(personRow(ctx, r, id, usernames, special))
  return summaries
}

function summarise(row: SqlRow): UserSummary {
  return {
    id: Number(row.id),
    username: String(row.username),
    deleted: row.deleted === 1,
    suspended: row.suspended === 1,
    active: row.id !== GUEST_ID && row.deleted === 0 && row.suspended === 0 && row.confirmed === 1 && row.auth !== 'nologin',
    lastaccess: Number(row.lastaccess),
    currentlogin: Number(row.currentlogin),
    lastip: String(row.lastip),
    timecreated: Number(row.timecreated),
  }
}

/**
 * Ids that get a fixed role whatever the random draws: the 2 deleted users (the first had an
 * e-mail address, the second none) and 3 unconfirmed sign-ups.
 */
function specialIds(total: number): { deleted: number[]; unconfirmed: number[] } {
  if (total < 20) return { deleted: [], unconfirmed: [] }
  const at = (fraction: number) => 3 + Math.floor((total - 3) * fraction)
  return { deleted: [at(0.37), at(0.71)], unconfirmed: [at(0.13), at(0.52), at(0.88)] }
}

class UsernameRegistry {
  private readonly next = new Map<string, number>()
  constructor(reserved: string[]) {
    for (const name of reserved) this.next.set(name, 2)
  }
  /** `base`, or `base2`, `base3`… when taken (bases hold no digits, so suffixes cannot collide). */
  claim(base: string): string {
    const n = this.next.get(base)
    this.next.set(base, (n ?? 1) + 1)
    return n === undefined ? base : `${base}${n}`
  }
}

function cryptHash(r: Random): string {
  return `$6$rounds=10000$${r.string(16, CRYPT_ALPHABET)}$${r.string(86, CRYPT_ALPHABET)}`
}

function baseRow(): SqlRow {
  return {
    id: 0, auth: 'manual', confirmed: 1, policyagreed: 0, deleted: 0, suspended: 0, mnethostid: 1,
    username: '', password: '', idnumber: '', firstname: '', lastname: '', email: '', emailstop: 0,
    phone1: '', phone2: '', institution: '', department: '', address: '', city: '', country: '',
    lang: 'en', calendartype: 'gregorian', theme: '', timezone: '99', firstaccess: 0, lastaccess: 0,
    lastlogin: 0, currentlogin: 0, lastip: '', secret: '', picture: 0, description: null,
    descriptionformat: 1, mailformat: 1, maildigest: 0, maildisplay: 2, autosubscribe: 1, trackforums: 0,
    timecreated: 0, timemodified: 0, trustbitmask: 0, imagealt: null, lastnamephonetic: null,
    firstnamephonetic: null, middlename: null, alternatename: null, moodlenetprofile: null,
  }
}

function guestRow(ctx: DemoContext, r: Random): SqlRow {
  return {
    ...baseRow(), id: GUEST_ID, username: 'guest', password: cryptHash(r), firstname: 'Guest user',
    lastname: ' ', email: 'root@localhost',
    description: 'This user is a special user that allows read-only access to some courses.',
    timemodified: ctx.installedAt,
  }
}

function adminRow(ctx: DemoContext, r: Random): SqlRow {
  return {
    ...baseRow(), id: ADMIN_ID, username: 'admin', password: cryptHash(r), firstname: 'Admin',
    lastname: 'User', email: `admin@${EMAIL_DOMAIN}`, city: 'London', country: 'GB',
    institution: INSTITUTIONS[0], department: 'IT Services', policyagreed: 1,
    firstaccess: ctx.installedAt + 10 * MINUTE, lastaccess: ctx.now - 20, lastlogin: ctx.now - DAY - 3 * HOUR,
    currentlogin: ctx.now - 2 * HOUR, lastip: '192.0.2.10', secret: r.string(15, ALPHANUMERIC),
    timecreated: ctx.installedAt, timemodified: ctx.installedAt + 5 * MINUTE,
  }
}

interface Access { firstaccess: number; lastaccess: number; lastlogin: number; currentlogin: number; timecreated: number }

/** ~8 % seen in the last 5 minutes, ~12 % more in the last day, ~55 % earlier, the rest never. */
function drawAccess(ctx: DemoContext, r: Random, mayBeRecent: boolean, neverLoggedIn: boolean): Access {
  const earliest = ctx.installedAt + DAY
  const u = r.next()
  let lastaccess = 0
  if (!neverLoggedIn) {
    if (mayBeRecent && u < 0.08) lastaccess = ctx.now - r.int(0, 5 * MINUTE - 10)
    else if (mayBeRecent && u < 0.2) lastaccess = ctx.now - r.int(5 * MINUTE, DAY - 1)
    else if (u < 0.75) lastaccess = ctx.now - DAY - Math.floor((ctx.now - DAY - earliest) * Math.pow(r.next(), 1.6))
  }
  if (lastaccess === 0) {
    const timecreated = earliest + r.int(0, ctx.now - HOUR - earliest)
    return { firstaccess: 0, lastaccess: 0, lastlogin: 0, currentlogin: 0, timecreated }
  }
  const firstaccess = lastaccess - Math.floor((lastaccess - earliest) * Math.pow(r.next(), 0.7))
  const timecreated = firstaccess - r.int(0, Math.min(30 * DAY, firstaccess - ctx.installedAt))
  const currentlogin = Math.max(firstaccess, lastaccess - r.int(0, 3 * HOUR))
  const gap = currentlogin - firstaccess
  const lastlogin = gap > HOUR && r.chance(0.85) ? currentlogin - r.int(HOUR, Math.min(30 * DAY, gap)) : 0
  return { firstaccess, lastaccess, lastlogin, currentlogin, timecreated }
}

function drawIp(r: Random): string {
  if (r.chance(0.12)) return `2001:db8:${r.hex(4).replace(/^0+(?=.)/, '')}::${r.hex(3).replace(/^0+(?=.)/, '')}`
  return `${r.pick(['192.0.2', '198.51.100', '203.0.113', '10.20.30'])}.${r.int(1, 254)}`
}

function personRow(
  ctx: DemoContext, r: Random, id: number, usernames: UsernameRegistry,
  special: { deleted: number[]; unconfirmed: number[] },
): SqlRow {
  const culture = r.pickWeighted(CULTURES, (c) => c.weight)
  const female = r.chance(0.5)
  const first = splitName(r.pick(female ? culture.female : culture.male))
  const last = lastName(r, culture, female)
  const shape = r.next()
  const base = shape < 0.55 ? `${first.ascii}.${last.ascii}` : shape < 0.85 ? `${first.ascii.slice(0, 1)}${last.ascii}` : `${last.ascii}${first.ascii.slice(0, 1)}`
  const username = usernames.claim(base.slice(0, 90) || 'user')

  const deleted = special.deleted.includes(id)
  const unconfirmed = special.unconfirmed.includes(id) || (!deleted && r.chance(0.004))
  const auth = unconfirmed ? 'email' : r.chance(0.12) ? 'email' : r.chance(0.01) ? 'nologin' : 'manual'
  const suspended = !deleted && !unconfirmed && r.chance(0.04)
  const access = drawAccess(ctx, r, !deleted && !suspended && auth !== 'nologin', unconfirmed)
  const place = r.chance(0.9) ? r.pick(culture.cities).split('|') : r.chance(0.5) ? ['', r.pick(culture.cities).split('|')[1] ?? ''] : ['', '']
  const student = r.chance(0.85)
  const nonLatin = /[^\p{Script=Latin}\s'-]/u.test(first.display + last.display)

  const row: SqlRow = {
    ...baseRow(),
    id, auth, confirmed: unconfirmed ? 0 : 1, policyagreed: access.lastaccess > 0 ? 1 : 0, username,
    password: cryptHash(r), idnumber: r.chance(0.6) ? `${student ? 'S' : 'E'}${240000 + id}` : '',
    firstname: first.display, lastname: last.display, email: `${username}@${EMAIL_DOMAIN}`,
    emailstop: r.chance(0.01) ? 1 : 0,
    phone1: r.chance(0.3) ? `+${r.int(1, 99)} ${r.int(100, 999)} ${r.int(100, 999)} ${r.int(1000, 9999)}` : '',
    institution: r.chance(0.85) ? r.pickSkewed(INSTITUTIONS, 0.8) : '',
    department: r.chance(0.8) ? r.pick(DEPARTMENTS) : '',
    city: place[0] ?? '', country: place[1] ?? '',
    timezone: r.chance(0.15) ? culture.timezone : '99',
    ...access,
    lastip: access.lastaccess > 0 ? drawIp(r) : '',
    secret: r.string(15, ALPHANUMERIC),
    description: r.chance(0.15) ? `<p>${r.pick(BIOS)}</p>` : null,
    maildigest: r.pick([0, 0, 0, 1, 2]), maildisplay: r.pick([2, 2, 1, 0]), trackforums: r.chance(0.3) ? 1 : 0,
    timemodified: access.timecreated + (r.chance(0.6) ? 0 : r.int(0, Math.max(0, (access.lastaccess || ctx.now) - access.timecreated))),
    suspended: suspended ? 1 : 0,
    firstnamephonetic: nonLatin ? capitalise(first.ascii) : null,
    lastnamephonetic: nonLatin ? capitalise(last.ascii) : null,
  }
  return deleted ? deletedRow(ctx, r, row, special.deleted.indexOf(id) === 0) : row
}

function lastName(r: Random, culture: Culture, female: boolean): { display: string; ascii: string } {
  const index = r.indexSkewed(culture.last.length, 1.2)
  const forms = female && culture.lastFemale ? culture.lastFemale : culture.last
  return splitName(forms[index] ?? culture.last[0] ?? 'Doe')
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/**
 * Moodle's delete_user() rewrites (moodle.md §6.1): username = `<email>.<time>` (or
 * `<username>.<id>@unknownemail.invalid.<time>` without e-mail), email = md5(username),
 * idnumber = '', picture = 0, timemodified = time of deletion.
 */
function deletedRow(ctx: DemoContext, r: Random, row: SqlRow, hadEmail: boolean): SqlRow {
  const deletedAt = Math.max(Number(row.lastaccess), Number(row.timecreated)) + r.int(DAY, 20 * DAY)
  const when = Math.min(deletedAt, ctx.now - HOUR)
  const username = String(row.username)
  const email = hadEmail ? String(row.email) : `${username}.${row.id}@unknownemail.invalid`
  const stamp = String(when)
  return {
    ...row,
    deleted: 1,
    username: `${email.slice(0, 100 - stamp.length - 1)}.${stamp}`,
    email: createHash('md5').update(username).digest('hex'),
    idnumber: '',
    picture: 0,
    timemodified: when,
  }
}
