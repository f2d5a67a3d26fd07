import { DEMO_ADDONS } from './demo-addons.ts'
import { DEMO_CORE } from './demo-context.ts'
import type { Random } from './random.ts'

/** A JSON number written exactly as given (the update server writes core versions as `2024100707.00`). */
class RawNumber {
  constructor(readonly text: string) {}
}

type Json = string | number | RawNumber | Json[] | { [key: string]: Json }

/** JSON the way PHP's json_encode() writes it by default: `\/` for slashes, `\uXXXX` beyond ASCII. */
function phpJson(value: Json): string {
  if (value instanceof RawNumber) return value.text
  if (typeof value === 'number') return JSON.stringify(value)
  if (typeof value === 'string') {
    return JSON.stringify(value)
      .replaceAll('/', '\\/')
      .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  }
  if (Array.isArray(value)) return `[${value.map(phpJson).join(',')}]`
  return `{${Object.entries(value).map(([k, v]) => `${phpJson(k)}:${phpJson(v)}`).join(',')}}`
}

/**
 * The raw text of config `core_plugin/recentresponse`: a successful answer of the moodle.org
 * update server, API 1.3 (moodle.md §3.2), fetched at `fetchedAt`. It offers core 4.5.7 and 5.0,
 * and the updates listed for the demo add-ons.
 */
export function updateServerResponse(r: Random, fetchedAt: number): string {
  const core = (version: string, release: string, branch: string, file: string) => ({
    version: new RawNumber(version), release, branch, maturity: 200,
    url: 'https://download.moodle.org',
    download: `https://download.moodle.org/download.php/direct/stable${branch.replace('.', '0')}/${file}`,
  })
  const updates: Record<string, Json> = {
    core: [
      core('2024100707.00', '4.5.7 (Build: 20251006)', '4.5', 'moodle-4.5.7.zip'),
      core('2025041400.00', '5.0 (Build: 20250414)', '5.0', 'moodle-5.0.zip'),
    ],
  }
  for (const addon of DEMO_ADDONS) {
    if (addon.updates.length === 0) continue
    updates[addon.component] = addon.updates.map((update) => ({
      version: update.version, release: update.release, maturity: update.maturity,
      url: `https://moodle.org/plugins/pluginversion.php?id=${update.id}`,
      download: `https://moodle.org/plugins/download.php/${update.id}/${addon.component}_moodle45_${update.version}.zip`,
      downloadmd5: r.hex(32),
    }))
  }
  return phpJson({
    status: 'OK',
    provider: 'https://download.moodle.org/api/1.3/updates.php',
    apiver: '1.3',
    timegenerated: fetchedAt - 1,
    forbranch: DEMO_CORE.majorVersion,
    forversion: DEMO_CORE.versionText,
    ticket: r.hex(40),
    updates,
  })
}
