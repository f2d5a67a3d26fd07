import type { Kysely } from 'kysely'
import type { MoodleTables } from '../db/tables.ts'
import type { Moodle } from '../moodle.ts'
import { dbInt } from '../../shared/db-integer.ts'
import { toWireString } from '../values.ts'
import { recheck } from '../recheck.ts'
import { readCoreSettings } from '../site/read-settings.ts'
import type { UserColumn } from './user-columns.ts'
import { userSearchCondition } from './user-filter.ts'

/** A user as raw Moodle values: every selected column a string, SQL NULL as null. */
export type RawUserRow = Record<string, string | null>

export interface UserListQuery {
  search?: string
  columns: readonly UserColumn[]
  sort: ReadonlyArray<{ column: UserColumn; direction: 'asc' | 'desc' }>
  paging?: { page: number; perpage: number }
}

/** A list read inside one consistent snapshot; `rows` must be consumed (or `close` called). */
export interface UserListing {
  /** All matching users. */
  total: number
  rows: AsyncIterable<RawUserRow>
  close(): Promise<void>
}

const BATCH_ROWS = 500

/**
 * Lists users that are neither deleted nor the guest account, in one repeatable-read snapshot:
 * the count first, then the rows through a cursor in batches, so memory does not grow with the
 * number of users. `id ASC` is appended as tie-breaker unless `id` is already sorted on.
 */
export async function listUsers(moodle: Moodle, query: UserListQuery): Promise<UserListing> {
  const guestId = await findGuestId(moodle)
  const trx = await moodle.db.startTransaction().setIsolationLevel('repeatable read').execute()
  try {
    const base = filtered(trx, moodle, guestId, query.search)
    const countRow = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst()
    const total = dbInt(countRow?.n)
    let select = base.select(query.columns as UserColumn[])
    for (const { column, direction } of query.sort) select = select.orderBy(column, direction)
    if (!query.sort.some((s) => s.column === 'id')) select = select.orderBy('id', 'asc')
    let finished = false
    const finish = async (ok: boolean) => {
      if (finished) return
      finished = true
      await (ok ? trx.commit() : trx.rollback()).execute()
    }
    if (query.paging) {
      const { page, perpage } = query.paging
      const rows = (await select.limit(perpage).offset(page * perpage).execute()).map((r) => toRaw(r, query.columns))
      await finish(true)
      return { total, rows: fromArray(rows), close: async () => {} }
    }
    const stream = select.stream(BATCH_ROWS)
    async function* rows(): AsyncGenerator<RawUserRow> {
      let ok = false
      try {
        for await (const row of stream) yield toRaw(row as Record<string, unknown>, query.columns)
        ok = true
      } finally {
        await finish(ok)
      }
    }
    return { total, rows: rows(), close: () => finish(false) }
  } catch (error) {
    await trx.rollback().execute().catch(() => undefined)
    throw error
  }
}

/** Counts users that are neither deleted nor the guest account, optionally matching a search. */
export async function countUsers(moodle: Moodle, search?: string): Promise<number> {
  const guestId = await findGuestId(moodle)
  const row = await filtered(moodle.db, moodle, guestId, search)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst()
  return dbInt(row?.n)
}

/** `siteguest` setting, 1 when unset (re-read at most every 250 ms). */
export function findGuestId(moodle: Moodle): Promise<number> {
  return recheck(moodle, 'siteguest', async () => {
    const settings = await readCoreSettings(moodle, ['siteguest'])
    const id = Number(settings.get('siteguest') ?? '1')
    return Number.isFinite(id) ? id : 1
  })
}

function filtered(db: Kysely<MoodleTables>, moodle: Moodle, guestId: number, search: string | undefined) {
  let q = db.selectFrom('mdl_user').where('deleted', '=', 0).where('id', '<>', guestId)
  if (search !== undefined && search.trim() !== '') q = q.where((eb) => userSearchCondition(moodle, eb, search))
  return q
}

function toRaw(row: Record<string, unknown>, columns: readonly string[]): RawUserRow {
  const out: RawUserRow = {}
  for (const c of columns) out[c] = toWireString(row[c])
  return out
}

async function* fromArray<T>(items: T[]): AsyncGenerator<T> {
  yield* items
}
