import { join } from 'node:path'
import type { Moodle } from '../moodle.ts'
import { readLayeredSettings } from './layered-settings.ts'

/** Where a site's session data lives, as far as the Items API can read it (items-api.md §5.5). */
export type SessionStore =
  | { kind: 'file'; dir: string }
  | { kind: 'database' }
  /** Cookie authentication is off: configured `none`, or a handler the service cannot read. */
  | { kind: 'none'; reason: string }

export type SessionHandlerOption = 'auto' | 'file' | 'database' | 'none'

/**
 * Resolves `items_session_handler` (items-api.md §2.3): `auto` follows Moodle (moodle.md §1.5):
 * `session_handler_class` if set, else the database handler when `dbsessions` is 1, else the file
 * handler. Handlers kept elsewhere (Redis, Memcached, others) resolve to `none` with a reason.
 * The file handler's directory: `fileSavePath`, else `session_file_save_path`, else
 * `<dataroot>/sessions`.
 */
export async function resolveSessionStore(
  moodle: Moodle,
  options: SessionStoreOptions & { overrides: Readonly<Record<string, string>> },
): Promise<SessionStore> {
  if (options.handler === 'none') return sessionStoreFrom(moodle, new Map(), options)
  return sessionStoreFrom(moodle, await readLayeredSettings(moodle, SESSION_SETTING_NAMES, options.overrides), options)
}

/** The session handler options of the Items API (`items_session_handler`, `items_session_file_save_path`). */
export interface SessionStoreOptions {
  handler: SessionHandlerOption
  fileSavePath?: string | undefined
}

/** The Moodle settings that choose the session handler and its directory. */
export const SESSION_SETTING_NAMES = ['session_handler_class', 'dbsessions', 'session_file_save_path'] as const

/** `resolveSessionStore` from settings already read (`SESSION_SETTING_NAMES`, layered as §2.4 says). */
export function sessionStoreFrom(moodle: Pick<Moodle, 'dataroot'>, settings: ReadonlyMap<string, string>, options: SessionStoreOptions): SessionStore {
  if (options.handler === 'none') return { kind: 'none', reason: 'items_session_handler is none' }
  let kind: 'file' | 'database' = options.handler === 'database' ? 'database' : 'file'
  if (options.handler === 'auto') {
    const handlerClass = (settings.get('session_handler_class') ?? '').trim().replace(/^\\+/, '').toLowerCase()
    if (handlerClass === '') kind = settings.get('dbsessions')?.trim() === '1' ? 'database' : 'file'
    else if (handlerClass === 'core\\session\\file') kind = 'file'
    else if (handlerClass === 'core\\session\\database') kind = 'database'
    else return { kind: 'none', reason: `session handler ${handlerClass} is not supported` }
  }
  if (kind === 'database') return { kind }
  const configured = options.fileSavePath || settings.get('session_file_save_path') || ''
  if (configured !== '') return { kind: 'file', dir: configured }
  if (!moodle.dataroot) return { kind: 'none', reason: 'the file session handler needs the dataroot, which is not known' }
  return { kind: 'file', dir: join(moodle.dataroot, 'sessions') }
}
