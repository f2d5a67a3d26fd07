import type { PluginManifestEntry } from './plugin-manifest-entry.ts'

/** One step of a plugin's install/upgrade history, `daysAgo` days before "now". */
export interface HistoryStep {
  version: number
  daysAgo: number
  /** Done through the web UI by the admin (user 2) rather than the CLI (user 0). */
  byAdmin?: boolean
  /** The first attempt failed with this exception (class, message) and was retried a day later. */
  failedFirst?: { exception: string; message: string }
}

/** An available update as the moodle.org update server lists it. */
export interface DemoUpdate {
  version: number
  release: string
  maturity: number
  /** The invented moodle.org plugin-version id used in the URLs. */
  id: number
}

/** A third-party plugin of the demo site (non-standard: absent from lib/plugins.json). */
export interface DemoAddon extends PluginManifestEntry {
  /** Install and upgrade history; empty = on disk but not installed yet. */
  history: readonly HistoryStep[]
  /** Its `config_plugins` settings besides `version`. */
  settings: Readonly<Record<string, string>>
  updates: readonly DemoUpdate[]
  /** Extra language strings. */
  strings?: Readonly<Record<string, string>>
}

/**
 * The demo's add-ons, in place of the fixture's four: two installed with pending updates (one of
 * them also offered a beta), one installed with no update, one dropped on disk but not installed.
 * `{secret}` in a setting is replaced by a generated random value.
 */
export const DEMO_ADDONS: readonly DemoAddon[] = [
  {
    component: 'local_bridgedemo',
    dir: '/local/bridgedemo',
    version: 2025061000,
    release: '1.2.0',
    requires: 2022112800,
    maturity: 200,
    supported: [401, 405],
    has_settings: true,
    display_name: 'Bridge demo connector',
    history: [
      { version: 2024120300, daysAgo: 300, byAdmin: true },
      { version: 2025031000, daysAgo: 150, byAdmin: true },
      {
        version: 2025061000, daysAgo: 60, byAdmin: true,
        failedFirst: {
          exception: 'ddl_change_structure_exception',
          message: 'Error writing to database (ERROR:  column "timesynced" of relation "mdl_local_bridgedemo_queue" already exists)',
        },
      },
    ],
    settings: {
      enabled: '1',
      endpoint: 'https://sync.demo.moodle.test/api/v2',
      apitoken: '{secret}',
      syncinterval: '3600',
      batchsize: '250',
    },
    updates: [
      { version: 2025090100, release: '1.3.0', maturity: 200, id: 40187 },
      { version: 2025101500, release: '2.0.0-beta', maturity: 100, id: 41302 },
    ],
  },
  {
    component: 'theme_harbour',
    dir: '/theme/harbour',
    version: 2024100710,
    release: 'v4.5.1',
    requires: 2024100700,
    maturity: 200,
    dependencies: { theme_boost: 2024100700 },
    supported: [405, 405],
    has_settings: true,
    display_name: 'Harbour',
    history: [
      { version: 2024100705, daysAgo: 200, byAdmin: true },
      { version: 2024100710, daysAgo: 25 },
    ],
    settings: {
      brandcolor: '#0b5394',
      footnote: '<p>Harbour · the Moodle Bridge demo theme</p>',
      loginbackgroundimage: '',
      scsspre: '',
      scss: '',
      presets: 'default.scss',
    },
    updates: [
      { version: 2024100712, release: 'v4.5.2', maturity: 200, id: 39901 },
      { version: 2024100714, release: 'v4.5.3', maturity: 200, id: 41558 },
    ],
  },
  {
    component: 'mod_flashdeck',
    dir: '/mod/flashdeck',
    version: 2025011500,
    release: '2.4.1',
    requires: 2023100900,
    maturity: 200,
    incompatible: 501,
    has_settings: true,
    display_name: 'Flash deck',
    history: [{ version: 2025011500, daysAgo: 120, byAdmin: true }],
    settings: { maxcards: '200', shuffle: '1', requiremodintro: '0' },
    updates: [],
    strings: { modulenameplural: 'Flash decks' },
  },
  {
    component: 'block_studyplanner',
    dir: '/blocks/studyplanner',
    version: 2025030300,
    release: 'v3.2.0-rc1',
    requires: 2023042400,
    maturity: 150,
    dependencies: { mod_assign: 2024100100, tool_lp: 'any' },
    display_name: 'Study planner',
    history: [],
    settings: {},
    updates: [],
  },
]

/** An add-on that is installed (config and upgrade log) but whose folder was deleted from disk. */
export const MISSING_ADDON = {
  component: 'local_legacyreports',
  history: [{ version: 2023051500, daysAgo: 418 }] as readonly HistoryStep[],
  settings: { reportlimit: '50', cachettl: '600' } as Readonly<Record<string, string>>,
}

/** A standard plugin present on disk but not installed yet (as after dropping in new core code). */
export const NOT_INSTALLED_STANDARD = 'aiprovider_azureai'
