import type { Moodle } from '../moodle.ts'
import { readCoreSettings } from './read-settings.ts'

/** Moodle's default time zone (`timezone` setting); null when it is `99` (the server's zone) or unset. */
export async function readMoodleTimezone(moodle: Moodle): Promise<string | null> {
  const settings = await readCoreSettings(moodle, ['timezone', 'forcetimezone'])
  const forced = settings.get('forcetimezone')
  const zone = forced && forced !== '99' ? forced : settings.get('timezone')
  return zone && zone !== '99' ? zone : null
}
