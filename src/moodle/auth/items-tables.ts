import type { Kysely } from 'kysely'
import type { Moodle } from '../moodle.ts'
import { MoodleSetupError } from '../moodle.ts'
import { CORE_BACKED_TYPES, type CoreBackedTypeName } from '../items/core-item-types.ts'

/**
 * The Moodle tables the Items API reads whatever types it serves: settings, users, contexts,
 * capabilities and roles (§6.2), web service tokens and services (§5.4), sessions (§5.5).
 */
const ALWAYS: readonly string[] = [
  'mdl_config', 'mdl_config_plugins', 'mdl_user', 'mdl_context', 'mdl_capabilities', 'mdl_role_capabilities',
  'mdl_role_assignments', 'mdl_external_tokens', 'mdl_external_services', 'mdl_external_services_users', 'mdl_sessions',
]

/** The table behind each core-backed type (§7.5). */
const TYPE_TABLES: Readonly<Record<CoreBackedTypeName, string>> = {
  course: 'mdl_course', course_category: 'mdl_course_categories', user: 'mdl_user', cohort: 'mdl_cohort',
}

/** The tables (default `mdl_` names) the Items API needs when it serves the given core-backed types. */
export function itemsRequiredTables(coreTypes: Iterable<string>): string[] {
  const tables = new Set(ALWAYS)
  for (const type of coreTypes) if (type in CORE_BACKED_TYPES) tables.add(TYPE_TABLES[type as CoreBackedTypeName])
  return [...tables]
}

/**
 * The table a driver error says does not exist (PostgreSQL / PGlite 42P01, MySQL / MariaDB 1146),
 * as the message spells it (with the site's prefix); null for any other error.
 */
export function missingTableOf(error: unknown): string | null {
  const e = error as { code?: unknown; errno?: unknown; message?: unknown; sqlMessage?: unknown } | null
  if (!e || typeof e !== 'object') return null
  const text = String(e.sqlMessage ?? e.message ?? '')
  if (e.code === '42P01') return /relation "([^"]+)"/.exec(text)?.[1] ?? 'unknown'
  if (e.errno === 1146 || e.code === 'ER_NO_SUCH_TABLE') return /Table '(?:[^'.]*\.)?([^'.]+)'/.exec(text)?.[1] ?? 'unknown'
  return null
}

/** Which of `tables` (default `mdl_` names) the site's database lacks, in the given order (one probe each). */
export async function findMissingTables(moodle: Moodle, tables: readonly string[]): Promise<string[]> {
  const db = moodle.db as unknown as Kysely<Record<string, { id: number }>>
  // One probe per table, all at once (the pool bounds them): start-up waits for one round trip.
  const found = await Promise.all(
    tables.map((table) =>
      db.selectFrom(table).select('id').limit(1).execute().then(
        () => true,
        (error: unknown) => {
          if (missingTableOf(error) === null) throw error
          return false
        },
      ),
    ),
  )
  return tables.filter((_, i) => !found[i])
}

/**
 * Start-up check of the Items API: throws a MoodleSetupError naming the first table it needs that
 * the site's database lacks (with the site's prefix), in one line.
 */
export async function checkItemsTables(moodle: Moodle, coreTypes: Iterable<string>): Promise<void> {
  const missing = await findMissingTables(moodle, itemsRequiredTables(coreTypes))
  if (missing.length === 0) return
  const named = missing.map((t) => moodle.prefix + t.slice('mdl_'.length))
  throw new MoodleSetupError(
    `the Items API needs the Moodle table${named.length > 1 ? 's' : ''} ${named.join(', ')}, which the database lacks ` +
      '(is this a complete Moodle database? switch the Items API off with mdg_core_api_enabled=false, or drop the type with items_builtin_types)',
  )
}
