import type { SqlRow } from './bulk-insert.ts'
import { DAY, DEMO_CORE, HOUR, type DemoContext } from './demo-context.ts'
import type { HistoryStep } from './demo-addons.ts'
import type { PluginInventory } from './plugin-inventory.ts'

const INFO = 0
const NOTICE = 1
const ERROR = 2

/** Core install and upgrades: [days ago, version]. The plugins' steps refer to the same days. */
const CORE_HISTORY: ReadonlyArray<readonly [number, string]> = [
  [420, '2024100702'],
  [200, '2024100704'],
  [30, String(DEMO_CORE.version)],
]

interface Entry {
  time: number
  type: number
  plugin: string
  version: string | null
  targetversion: string
  info: string
  details: string | null
  backtrace: string
  userid: number
}

/**
 * `mdl_upgrade_log` as Moodle writes it (moodle.md §4.4): the core installation followed by every
 * plugin's `Starting plugin installation` / `Upgrade savepoint reached` / `Plugin installed`,
 * later core and plugin upgrades, one failed add-on upgrade (error) that was retried, and one
 * notice. Rows are ordered by time, so `timemodified` grows with `id`.
 */
export function buildUpgradeLog(ctx: DemoContext, inventory: PluginInventory): SqlRow[] {
  const entries: Entry[] = []
  // One clock per day on which something ran: entries of the same run follow each other.
  const clocks = new Map<number, number>()
  const tick = (daysAgo: number, seconds = 1): number => {
    const start = daysAgo === CORE_HISTORY[0]?.[0] ? ctx.installedAt : ctx.now - daysAgo * DAY + 9 * HOUR
    const time = (clocks.get(daysAgo) ?? start) + seconds
    clocks.set(daysAgo, time)
    return time
  }
  const add = (daysAgo: number, entry: Omit<Entry, 'time' | 'type' | 'details' | 'backtrace' | 'userid'> & Partial<Entry>) =>
    entries.push({ type: INFO, details: null, backtrace: '', userid: 0, time: tick(daysAgo, entry.info.startsWith('Starting') ? 2 : 0), ...entry })

  let previous: string | null = null
  for (const [daysAgo, version] of CORE_HISTORY) {
    if (previous === null) {
      add(daysAgo, { plugin: 'core', version, targetversion: version, info: 'Upgrade savepoint reached' })
      add(daysAgo, { plugin: 'core', version, targetversion: version, info: 'Core installed' })
    } else {
      add(daysAgo, { plugin: 'core', version: previous, targetversion: version, info: 'Starting core upgrade' })
      add(daysAgo, { plugin: 'core', version, targetversion: version, info: 'Upgrade savepoint reached' })
      add(daysAgo, { plugin: 'core', version, targetversion: version, info: 'Core upgraded' })
    }
    previous = version
  }

  for (const plugin of inventory.plugins) {
    let installed: string | null = null
    for (const step of plugin.history) {
      installed = pluginStep(add, plugin.component, installed, step)
    }
  }
  const noticeDay = 25
  add(noticeDay, {
    type: NOTICE, plugin: 'theme_harbour', version: '2024100710', targetversion: '2024100710',
    info: 'Exception: moodle_exception', userid: 0,
    details: 'Theme "harbour" could not compile its SCSS; the pre-compiled CSS is used instead.',
  })

  entries.sort((a, b) => a.time - b.time)
  return entries.map((e, index) => ({
    id: index + 1, type: e.type, plugin: e.plugin, version: e.version, targetversion: e.targetversion,
    info: e.info, details: e.details, backtrace: e.backtrace, userid: e.userid, timemodified: e.time,
  }))
}

type Add = (daysAgo: number, entry: Omit<Entry, 'time' | 'type' | 'details' | 'backtrace' | 'userid'> & Partial<Entry>) => void

/** The rows of one install or upgrade step; returns the version installed afterwards. */
function pluginStep(add: Add, plugin: string, installed: string | null, step: HistoryStep): string {
  const target = String(step.version)
  const userid = step.byAdmin ? 2 : 0
  let daysAgo = step.daysAgo
  if (installed === null) {
    add(daysAgo, { plugin, version: null, targetversion: target, info: 'Starting plugin installation', userid })
    add(daysAgo, { plugin, version: target, targetversion: target, info: 'Upgrade savepoint reached', userid })
    add(daysAgo, { plugin, version: target, targetversion: target, info: 'Plugin installed', userid })
    return target
  }
  if (step.failedFirst) {
    add(daysAgo, { plugin, version: installed, targetversion: target, info: 'Starting plugin upgrade', userid })
    add(daysAgo, {
      type: ERROR, plugin, version: installed, targetversion: target, info: `Exception: ${step.failedFirst.exception}`,
      details: step.failedFirst.message, userid,
      backtrace: `* line 587 of /lib/dml/moodle_database.php: ${step.failedFirst.exception} thrown\n` +
        `* line 74 of ${plugin.replace(/^local_/, '/local/')}/db/upgrade.php: call to database_manager->add_field()\n` +
        '* line 1858 of /lib/upgradelib.php: call to xmldb_' + plugin + '_upgrade()',
    })
    daysAgo -= 1
  }
  add(daysAgo, { plugin, version: installed, targetversion: target, info: 'Starting plugin upgrade', userid })
  add(daysAgo, { plugin, version: target, targetversion: target, info: 'Upgrade savepoint reached', userid })
  add(daysAgo, { plugin, version: target, targetversion: target, info: 'Plugin upgraded', userid })
  return target
}
