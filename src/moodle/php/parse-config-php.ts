import { assignPhpProperty } from './assign-php-property.ts'
import { parsePhpSubset } from './parse-php-subset.ts'
import { PhpSubsetError } from './php-subset-error.ts'
import type { PhpValue } from './php-value.ts'

/** What config.php assigns before it boots Moodle. */
export type ConfigPhp = {
  /** Every `$CFG->name` in assignment order; `$CFG->name['k'] = …` lines are merged into arrays. */
  settings: Map<string, PhpValue>
  /** Line of the last statement that assigned each setting (for messages about its value). */
  lines: Map<string, number>
}

/** Options of `parseConfigPhp`. */
export type ParseConfigPhpOptions = {
  /** Extra advice for a setting that cannot be read, e.g. `--db-pass / MOODLE_BRIDGE_DB_PASS`. */
  overrideHint?: (setting: string) => string | undefined
}

/**
 * Reads the `$CFG` assignments of a config.php source without running PHP (moodle.md §1.4). Stops
 * at the `lib/setup.php` include: what follows runs after boot and is not configuration. Throws
 * PhpSubsetError, naming the line and setting, at anything outside the literal subset.
 */
export function parseConfigPhp(source: string, file = 'config.php', options: ParseConfigPhpOptions = {}): ConfigPhp {
  const statements = parsePhpSubset(source, { file, allowBoot: true, overrideHint: options.overrideHint })
  const settings = new Map<string, PhpValue>()
  const lines = new Map<string, number>()
  for (const statement of statements) {
    switch (statement.kind) {
      case 'assign': {
        const { target } = statement
        if (target.variable !== 'CFG' || target.property === undefined) {
          throw new PhpSubsetError(
            file,
            statement.line,
            undefined,
            `this statement assigns $${target.variable}${target.property === undefined ? '' : `->${target.property}`}${target.keys.length > 0 ? '[…]' : ''}; config.php may only assign properties of $CFG`,
          )
        }
        assignPhpProperty(settings, { ...target, property: target.property }, statement.value, { file, line: statement.line })
        lines.set(target.property, statement.line)
        break
      }
      case 'new':
      case 'unset':
        // `$CFG = new stdClass();` and `unset($CFG);` start from an empty object.
        if (statement.kind === 'new' ? statement.variable === 'CFG' : statement.variables.includes('CFG')) {
          settings.clear()
          lines.clear()
        } else if (statement.kind === 'new') {
          throw new PhpSubsetError(file, statement.line, undefined, `this statement creates $${statement.variable}; config.php may only create $CFG`)
        }
        break
      case 'global':
      case 'guard':
      case 'boot':
        break
    }
  }
  return { settings, lines }
}
