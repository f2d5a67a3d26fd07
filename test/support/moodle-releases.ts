/**
 * The Moodle releases test install directories can imitate, as facts from Moodle's public
 * repository (moodle/moodle: version.php and lib/components.json of each branch; from 5.1 both
 * under public/): the root version.php, the layout, and how the plugin-type set differs from the
 * 4.5 fixture's. The database stays the 4.5 fixture whatever the release; only the code tree
 * changes.
 */
import type { ComponentsJson, CoreVersionFacts } from './fixtures.ts'

export type MoodleRelease = '4.1' | '4.5' | '5.1'

export interface ReleaseFacts {
  /** Where the code lives: in the root (`classic`) or in `<root>/public` (5.1+, MDL-83424). */
  layout: 'classic' | 'public'
  /** The root version.php; undefined: the fixture's (4.5.6). */
  core?: Omit<CoreVersionFacts, 'version'> & { version: number }
  /** Top-level plugin types this release lacks (left out of components.json and the tree). */
  missingTypes: readonly string[]
  /** Plugins this release does not ship (left out of the tree with their subplugin types). */
  missingPlugins: readonly string[]
  /** Subplugin types this release lacks (left out of their parent's db/subplugins.json). */
  missingSubtypes: readonly string[]
  /** Subsystems this release lacks. */
  missingSubsystems: readonly string[]
  /** Plugin types this release adds: type → folder (created empty: the 4.5 database has none of them). */
  addedTypes: Readonly<Record<string, string>>
  /** Types moved to components.json's `deprecatedplugintypes`. */
  deprecatedTypes: readonly string[]
}

export const RELEASES: Readonly<Record<MoodleRelease, ReleaseFacts>> = {
  // MOODLE_401_STABLE: no AI (4.5), SMS (4.5) or communication (4.2) subsystems and plugin types;
  // tool_mfa and its `factor` subplugins came with 4.3, mod_bigbluebuttonbn's `bbbext` with 4.3.
  '4.1': {
    layout: 'classic',
    core: {
      version: 2022112800, version_text: '2022112800.00', release: '4.1 (Build: 20221128)', branch: '401',
      maturity: 200, maturity_name: 'MATURITY_STABLE', major_version: '4.1',
    },
    missingTypes: ['aiplacement', 'aiprovider', 'communication', 'smsgateway'],
    missingPlugins: ['tool_mfa'],
    missingSubtypes: ['bbbext', 'factor'],
    missingSubsystems: ['ai', 'communication', 'sms'],
    addedTypes: {},
    deprecatedTypes: [],
  },
  '4.5': { layout: 'classic', missingTypes: [], missingPlugins: [], missingSubtypes: [], missingSubsystems: [], addedTypes: {}, deprecatedTypes: [] },
  // MOODLE_501_STABLE: code under public/, `gradepenalty` added (grade/penalty), `mnetservice`
  // moved to `deprecatedplugintypes`.
  '5.1': {
    layout: 'public',
    core: {
      version: 2025100600, version_text: '2025100600.00', release: '5.1 (Build: 20251006)', branch: '501',
      maturity: 200, maturity_name: 'MATURITY_STABLE', major_version: '5.1',
    },
    missingTypes: [],
    missingPlugins: [],
    missingSubtypes: [],
    missingSubsystems: [],
    addedTypes: { gradepenalty: 'grade/penalty' },
    deprecatedTypes: ['mnetservice'],
  },
}

/** components.json as the release has it, from the 4.5 fixture's. */
export function releaseComponents(base: ComponentsJson, facts: ReleaseFacts): ComponentsJson & { deprecatedplugintypes?: Record<string, string> } {
  const plugintypes: Record<string, string> = {}
  const deprecated: Record<string, string> = {}
  for (const [type, dir] of Object.entries(base.plugintypes)) {
    if (facts.missingTypes.includes(type)) continue
    if (facts.deprecatedTypes.includes(type)) deprecated[type] = dir
    else plugintypes[type] = dir
    // Added types go where the release lists them: gradepenalty right before gradereport.
    if (type === 'gradeimport') Object.assign(plugintypes, facts.addedTypes)
  }
  Object.assign(plugintypes, facts.addedTypes)
  const subsystems = Object.fromEntries(Object.entries(base.subsystems).filter(([name]) => !facts.missingSubsystems.includes(name)))
  return { plugintypes, subsystems, ...(facts.deprecatedTypes.length > 0 ? { deprecatedplugintypes: deprecated } : {}) }
}
