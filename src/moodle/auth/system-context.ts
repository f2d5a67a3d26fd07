import type { Moodle } from '../moodle.ts'
import { findSystemContextId } from '../site/site-identity.ts'

/** The id of the system context (the `context` row of level 10), shared with the site identity's lookup. */
export function readSystemContextId(moodle: Moodle): Promise<number> {
  return findSystemContextId(moodle)
}
