import type { SqlRow } from './bulk-insert.ts'
import { SYSTEM_CONTEXT_ID } from './insert-contexts.ts'
import type { PluginInventory } from './plugin-inventory.ts'

/** Disabled activity modules and blocks (as on a stock 4.5 site: Moodle ships these off). */
const HIDDEN_MODULES = new Set(['bigbluebuttonbn', 'chat', 'subsection', 'survey'])
const HIDDEN_BLOCKS = new Set(['course_summary', 'feedback', 'rss_client', 'selfcompletion', 'tag_youtube'])

/** System-context filter states: 1 on, -1 off but available, -9999 disabled. */
const FILTERS: ReadonlyArray<readonly [string, number]> = [
  ['displayh5p', 1], ['activitynames', 1], ['mathjaxloader', 1], ['emoticon', 1], ['urltolink', 1],
  ['mediaplugin', 1], ['glossary', -1], ['multilang', -1], ['tex', -9999], ['algebra', -9999],
]

/** Rows of the tables that hold per-plugin enabled state. */
export interface PluginStateRows {
  modules: SqlRow[]
  blocks: SqlRow[]
  filters: SqlRow[]
  repositories: SqlRow[]
  messageProcessors: SqlRow[]
  portfolios: SqlRow[]
}

/**
 * `mdl_modules` and `mdl_block` (one row per installed plugin, a few disabled), system-context
 * `mdl_filter_active` rows plus one course-level override, enabled repositories, message
 * processors and portfolio instances.
 */
export function buildPluginState(inventory: PluginInventory, courseContextId: number): PluginStateRows {
  const installed = (type: string) =>
    inventory.plugins.filter((p) => p.type === type && p.installedVersion !== null).map((p) => p.name).sort()
  const filters: SqlRow[] = FILTERS.map(([filter, active], index) => ({
    id: index + 1, filter, contextid: SYSTEM_CONTEXT_ID, active, sortorder: index + 1,
  }))
  filters.push({ id: filters.length + 1, filter: 'urltolink', contextid: courseContextId, active: -1, sortorder: 0 })
  return {
    modules: installed('mod').map((name, index) => ({
      id: index + 1, name, cron: 0, lastcron: 0, search: '', visible: HIDDEN_MODULES.has(name) ? 0 : 1,
    })),
    blocks: installed('block').map((name, index) => ({
      id: index + 1, name, cron: 0, lastcron: 0, visible: HIDDEN_BLOCKS.has(name) ? 0 : 1,
    })),
    filters,
    repositories: ['areafiles', 'contentbank', 'local', 'recent', 'upload', 'url', 'user', 'wikimedia'].map((type, index) => ({
      id: index + 1, type, visible: type === 'wikimedia' ? 0 : 1, sortorder: index + 1,
    })),
    messageProcessors: (['airnotifier', 'email', 'popup'] as const).map((name, index) => ({
      id: index + 1, name, enabled: name === 'airnotifier' ? 0 : 1,
    })),
    portfolios: [
      { id: 1, plugin: 'download', name: 'File download', visible: 1 },
      { id: 2, plugin: 'googledocs', name: 'Google Drive', visible: 0 },
    ],
  }
}
