import { Readable } from 'node:stream'
import {
  countOnlineUsers, countUsers, isUserColumn, listUserColumns, listUsers, type RawUserRow, type UserColumn,
} from '../../moodle/index.ts'
import { burstCacheOf } from '../../shared/burst-cache.ts'
import { errorReply, ok, param, type EndpointContext, type EndpointHandler, type Reply } from '../context.ts'
import { RAW_JSON } from '../raw-json.ts'

/** Lists of at most this many users are serialised whole (and may be reused by a burst); longer ones stream. */
const SMALL_LIST = 5000

const counts = (ctx: EndpointContext) => burstCacheOf<number>(ctx.deps.moodle, 'users/count', ctx.deps.moodle.reuseMs)
const online = (ctx: EndpointContext) => burstCacheOf<{ all: number; online: number }>(ctx.deps.moodle, 'users/online', ctx.deps.moodle.reuseMs)
const smallLists = (ctx: EndpointContext) => burstCacheOf<Reply | null>(ctx.deps.moodle, 'users/list', ctx.deps.moodle.reuseMs, 8)

/** GET /users/count (§4.4). */
export const usersCount: EndpointHandler = async (ctx) => {
  const search = ctx.query.get('search') ?? ''
  return ok({ number_of_users: await counts(ctx).get(`count:${search}`, () => countUsers(ctx.deps.moodle, search)) })
}

/** GET /users with any other sub-path (§4.4): the list. */
export const usersList: EndpointHandler = async (ctx) => {
  const key = JSON.stringify(['fields', 'sort', 'page', 'perpage', 'search'].map((k) => ctx.query.get(k) ?? null))
  return (await smallLists(ctx).get(key, () => smallListReply(ctx))) ?? listUserReply(ctx)
}

/** The whole answer as one string when the list is short (null when it must stream). */
async function smallListReply(ctx: EndpointContext): Promise<Reply | null> {
  const paged = param(ctx, 'page') !== undefined || param(ctx, 'perpage') !== undefined
  const search = ctx.query.get('search') ?? ''
  if (!paged && (await counts(ctx).get(`count:${search}`, () => countUsers(ctx.deps.moodle, search))) > SMALL_LIST) return null
  const reply = await listUserReply(ctx)
  if (!(reply.body instanceof Readable)) return reply
  const chunks: string[] = []
  for await (const chunk of reply.body) chunks.push(String(chunk))
  return { status: reply.status, body: { [RAW_JSON]: Buffer.from(chunks.join('')) } }
}

async function listUserReply(ctx: EndpointContext): Promise<Reply> {
  const columns = await listUserColumns(ctx.deps.moodle)
  const fields = parseFields(ctx.query.get('fields'), columns)
  if (!fields) return errorReply('MB_USERS_INVALID_FIELDS')
  const sort = parseSort(ctx.query.get('sort'), columns)
  if (!sort) return errorReply('MB_USERS_INVALID_SORT')
  const paging = parsePaging(param(ctx, 'page'), param(ctx, 'perpage'))
  if (paging === 'invalid') return errorReply('MB_USERS_INVALID_PAGING')
  const listing = await listUsers(ctx.deps.moodle, { search: ctx.query.get('search'), columns: fields, sort, paging })
  if (paging) {
    const rows: RawUserRow[] = []
    for await (const row of listing.rows) rows.push(row)
    return ok({ number_of_users: rows.length, users: rows, page: paging.page, perpage: paging.perpage, total_users: listing.total })
  }
  const body = Readable.from(streamJson(listing.total, listing.rows), { objectMode: false })
  // A client that goes away before or during the stream must not leave the snapshot's
  // transaction (and its pooled connection) open: close it whenever the stream closes.
  body.once('close', () => void listing.close().catch((error: unknown) => ctx.log.warn({ err: error }, 'closing a user listing failed')))
  return { status: 200, body }
}

/** `{"number_of_users":N,"users":[…]}` written row by row. */
async function* streamJson(total: number, rows: AsyncIterable<RawUserRow>): AsyncGenerator<string> {
  let buffer = `{"number_of_users":${total},"users":[`
  let first = true
  for await (const row of rows) {
    buffer += (first ? '' : ',') + JSON.stringify(row)
    first = false
    if (buffer.length >= 16384) {
      yield buffer
      buffer = ''
    }
  }
  yield buffer + ']}'
}

/** `*`, empty, or a comma list of whitelisted names (spaces allowed, duplicates dropped). */
export function parseFields(value: string | undefined, columns: readonly UserColumn[]): UserColumn[] | null {
  if (value === undefined || value.trim() === '' || value.trim() === '*') return [...columns]
  const out: UserColumn[] = []
  for (const item of value.split(',')) {
    const name = item.trim()
    if (!isUserColumn(columns, name)) return null
    if (!out.includes(name)) out.push(name)
  }
  return out
}

/** `column [ASC|DESC]` items; default `lastname ASC`. */
export function parseSort(
  value: string | undefined,
  columns: readonly UserColumn[],
): Array<{ column: UserColumn; direction: 'asc' | 'desc' }> | null {
  const text = value === undefined || value.trim() === '' ? 'lastname ASC' : value
  const out: Array<{ column: UserColumn; direction: 'asc' | 'desc' }> = []
  for (const item of text.split(',')) {
    const m = /^\s*([a-z]+)(?:\s+(asc|desc))?\s*$/i.exec(item)
    if (!m || !isUserColumn(columns, m[1]!)) return null
    out.push({ column: m[1] as UserColumn, direction: (m[2] ?? 'asc').toLowerCase() as 'asc' | 'desc' })
  }
  return out
}

function parsePaging(page: string | undefined, perpage: string | undefined): { page: number; perpage: number } | undefined | 'invalid' {
  if (page === undefined && perpage === undefined) return undefined
  const p = page === undefined ? 0 : strictInt(page)
  const pp = perpage === undefined ? 100 : strictInt(perpage)
  if (p === null || pp === null || p < 0 || pp < 1 || pp > 5000) return 'invalid'
  if (p * pp > Number.MAX_SAFE_INTEGER / 2) return 'invalid'
  return { page: p, perpage: pp }
}

function strictInt(text: string): number | null {
  return /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : null
}

/** GET /users/online (§4.4); `timeStart` and `timeEnd` are digits when given (route table). */
export const usersOnline: EndpointHandler = async (ctx) => {
  const startText = param(ctx, 'timeStart')
  const endText = param(ctx, 'timeEnd')
  const endSec = endText === undefined ? Math.floor(ctx.deps.nowMs() / 1000) + 1 : seconds(endText)
  const startSec = startText === undefined ? Math.max(0, endSec - 300) : seconds(startText)
  if (startSec > endSec) return errorReply('MB_USERS_START_AFTER_END')
  const result = await online(ctx).get(`${startSec}:${endSec}`, () => countOnlineUsers(ctx.deps.moodle, { startSec, endSec }))
  return ok({ all_users: result.all, online: result.online })
}

/** A digit string as seconds; values past 2^53 are clamped (they lie beyond any stored time anyway). */
function seconds(digits: string): number {
  const n = Number(digits)
  return Number.isSafeInteger(n) ? n : Number.MAX_SAFE_INTEGER
}
