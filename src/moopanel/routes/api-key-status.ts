import { readMoodleTimezone } from '../../moodle/index.ts'
import { errorReply, ok, type EndpointContext, type EndpointHandler } from '../context.ts'

const MAX_TIMESTAMP = 9007199254740991

/** GET /api_key_status: "permanent" or the expiry as MM/DD/YYYY HH:MM:SS (§4.3). */
export const getApiKeyStatus: EndpointHandler = async (ctx) => {
  const expiry = ctx.deps.keys.expiresAt
  if (expiry === null) return ok({ key_expiration_date: 'permanent' })
  return ok({ key_expiration_date: formatDate(expiry, await zoneOf(ctx)) })
}

/** POST /api_key_status: records the key's expiry; 201 as MooPanel requires (§4.3). The key is present (route table). */
export const postApiKeyStatus: EndpointHandler = async (ctx) => {
  const value = ctx.payload['key_expiration_date']
  if (value === null || value === 0 || value === false || value === '') {
    await ctx.deps.keys.setExpiry(null)
    return ok({ status: true, key_expiration_date: 'permanent' }, 201)
  }
  const expiry = parseTimestamp(value)
  if (expiry === null) return errorReply('MB_KEY_EXPIRY_INVALID')
  await ctx.deps.keys.setExpiry(expiry)
  return ok({ status: true, key_expiration_date: expiry }, 201)
}

function parseTimestamp(value: unknown): number | null {
  let n: number
  if (typeof value === 'number') n = value
  else if (typeof value === 'string' && /^\d+$/.test(value)) n = Number(value)
  else return null
  return Number.isInteger(n) && n >= 1 && n <= MAX_TIMESTAMP ? n : null
}

async function zoneOf(ctx: EndpointContext): Promise<string | undefined> {
  const zone = ctx.deps.options.timezone ?? (await readMoodleTimezone(ctx.deps.moodle))
  return zone && isZone(zone) ? zone : undefined
}

function isZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/**
 * `MM/DD/YYYY HH:MM:SS`, 24-hour clock, in `zone` (host zone when undefined). Times beyond what a
 * JavaScript Date holds (after the year 275760; MooPanel may send up to 2^53−1 seconds) are
 * formatted in UTC from the proleptic Gregorian calendar: no time zone rules exist that far out.
 */
export function formatDate(unixSeconds: number, zone: string | undefined): string {
  if (Math.abs(unixSeconds) * 1000 > 8.64e15) return formatFarDate(unixSeconds)
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(unixSeconds * 1000))
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00'
  return `${get('month')}/${get('day')}/${get('year')} ${get('hour')}:${get('minute')}:${get('second')}`
}

/** Civil date from days since 1970-01-01 (H. Hinnant's algorithm), for times beyond Date's range. */
function formatFarDate(unixSeconds: number): string {
  const days = Math.floor(unixSeconds / 86400)
  const secs = unixSeconds - days * 86400
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
  const two = (n: number) => String(n).padStart(2, '0')
  return `${two(month)}/${two(day)}/${year} ${two(Math.floor(secs / 3600))}:${two(Math.floor((secs % 3600) / 60))}:${two(secs % 60)}`
}
