import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely'
import type { MoodleTables } from '../db/tables.ts'
import type { Moodle } from '../moodle.ts'

/** Escapes LIKE wildcards so a search term is matched literally (escape character `\`). */
export function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (c) => `\\${c}`)
}

type UserEb = ExpressionBuilder<MoodleTables, 'mdl_user'>

/**
 * Moodle's user search (moodle.md §6.1), made literal and identical on both engines: "firstname
 * lastname" or email contains the term case-insensitively, or username equals it. On MySQL the
 * comparison is done on lower-cased bytes so that accent-insensitive collations do not widen it.
 */
export function userSearchCondition(moodle: Moodle, eb: UserEb, rawTerm: string): Expression<SqlBool> {
  const term = rawTerm.trim()
  // No stored name contains NUL, and PostgreSQL refuses it in a parameter: nothing matches.
  if (term.includes('\u0000')) return sql<SqlBool>`1 = 0`
  const pattern = `%${escapeLike(term.toLowerCase())}%`
  if (moodle.family === 'mysql') {
    return eb.or([
      sql<SqlBool>`CAST(LOWER(CONCAT(firstname, ' ', lastname)) AS BINARY) LIKE CAST(${pattern} AS BINARY) ESCAPE '\\\\'`,
      sql<SqlBool>`CAST(LOWER(email) AS BINARY) LIKE CAST(${pattern} AS BINARY) ESCAPE '\\\\'`,
      sql<SqlBool>`CAST(username AS BINARY) = CAST(${term} AS BINARY)`,
    ])
  }
  return eb.or([
    sql<SqlBool>`LOWER(firstname || ' ' || lastname) LIKE ${pattern} ESCAPE '\\'`,
    sql<SqlBool>`LOWER(email) LIKE ${pattern} ESCAPE '\\'`,
    eb('username', '=', term),
  ])
}
