import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { decodePhpSession } from './php-session-data.ts'
import { PHP_DATA_MAX_BYTES, type PhpData } from './php-unserialize.ts'
import type { SessionRow } from './session-row.ts'
import type { SessionStore } from './session-store.ts'

/** What the Items API reads from a session's `$_SESSION['USER']` (items-api.md §5.5). */
export interface SessionUser {
  /** `USER->id` when it is a positive integer or decimal string, else null. */
  id: number | null
  /** `USER->realuser` is set and not empty: a "log in as" session. */
  loggedInAs: boolean
  /** `USER->sesskey`; empty when absent. */
  sesskey: string
  /** `USER->sessionip`; empty when absent. */
  sessionIp: string
}

export type SessionUserResult = { ok: true; user: SessionUser } | { ok: false; cause: string }

/** Valid session ids (the cookie value); checked before the id is used in a file name. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9,-]{1,128}$/

/**
 * Reads and decodes a session's data from its store and returns its `USER`. File store: the file
 * `sess_<sid>` must exist; an empty or undecodable file is read once more after `retryDelayMs`
 * (PHP rewrites it in place). Database store: `sessdata`, base64.
 */
export async function readSessionUser(
  store: SessionStore,
  row: SessionRow,
  options: { retryDelayMs?: number } = {},
): Promise<SessionUserResult> {
  if (store.kind === 'none') return { ok: false, cause: 'session handler not supported' }
  if (store.kind === 'database') {
    if (row.sessdata === null) return { ok: false, cause: 'session data is NULL' }
    if (row.sessdata.length > Math.ceil((PHP_DATA_MAX_BYTES * 4) / 3) + 4) return { ok: false, cause: 'session data too large' }
    return userFrom(Buffer.from(row.sessdata, 'base64'))
  }
  if (!SESSION_ID_PATTERN.test(row.sid)) return { ok: false, cause: 'invalid session id' }
  const file = join(store.dir, `sess_${row.sid}`)
  const first = await readSessionFile(file)
  if (first === 'missing') return { ok: false, cause: 'session file missing' }
  if (first === 'too large') return { ok: false, cause: 'session file too large' }
  const result = userFrom(first)
  if (result.ok || (first.length > 0 && result.cause === 'no USER in session')) return result
  await sleep(options.retryDelayMs ?? 50)
  const second = await readSessionFile(file)
  if (second === 'missing') return { ok: false, cause: 'session file missing' }
  if (second === 'too large') return { ok: false, cause: 'session file too large' }
  return userFrom(second)
}

async function readSessionFile(file: string): Promise<Buffer | 'missing' | 'too large'> {
  let handle
  try {
    handle = await open(file, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing'
    throw error
  }
  try {
    const { size } = await handle.stat()
    if (size > PHP_DATA_MAX_BYTES) return 'too large'
    const data = await handle.readFile() // PHP may have grown it since the stat
    return data.length > PHP_DATA_MAX_BYTES ? 'too large' : data
  } finally {
    await handle.close()
  }
}

function userFrom(data: Uint8Array): SessionUserResult {
  if (data.length === 0) return { ok: false, cause: 'session data empty' }
  let entries: Map<string, PhpData>
  try {
    entries = decodePhpSession(data)
  } catch {
    return { ok: false, cause: 'session data undecodable' }
  }
  const user = entries.get('USER')
  if (!user || typeof user !== 'object' || (user.kind !== 'object' && user.kind !== 'array')) {
    return { ok: false, cause: 'no USER in session' }
  }
  const props = user.kind === 'object' ? user.properties : user.entries
  const get = (name: string) => props.get(name)
  return {
    ok: true,
    user: {
      id: positiveId(get('id')),
      loggedInAs: !phpEmpty(get('realuser')),
      sesskey: typeof get('sesskey') === 'string' ? (get('sesskey') as string) : '',
      sessionIp: typeof get('sessionip') === 'string' ? (get('sessionip') as string) : '',
    },
  }
}

/** An integer or a decimal string (Moodle keeps database values as strings), positive; else null. */
function positiveId(value: PhpData | undefined): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : null
  if (typeof value === 'string' && /^[1-9][0-9]{0,15}$/.test(value)) return Number(value)
  return null
}

/** PHP's empty(): absent, null, false, 0, 0.0, '', '0' or an empty array. */
function phpEmpty(value: PhpData | undefined): boolean {
  if (value === undefined || value === null || value === false || value === '' || value === '0') return true
  if (typeof value === 'number') return value === 0
  if (typeof value === 'bigint') return value === 0n
  if (typeof value === 'object' && value.kind === 'array') return value.entries.size === 0
  return false
}
