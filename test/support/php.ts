/** Writing PHP literals for generated Moodle files. */

const MATURITY: Record<number, string> = {
  50: 'MATURITY_ALPHA',
  100: 'MATURITY_BETA',
  150: 'MATURITY_RC',
  200: 'MATURITY_STABLE',
}

/** A single-quoted PHP string literal (only `\` and `'` need escaping). */
export function phpString(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`
}

/** Moodle's MATURITY_* constant for a maturity number, or the bare number if unknown. */
export function phpMaturity(value: number): string {
  return MATURITY[value] ?? String(value)
}

/** A PHP literal for JSON-like data: numbers, strings, booleans, null, lists and maps (short array syntax). */
export function phpValue(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return phpString(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `[${value.map(phpValue).join(', ')}]`
  if (typeof value === 'object') {
    const pairs = Object.entries(value).map(([k, v]) => `${phpString(k)} => ${phpValue(v)}`)
    return `[${pairs.join(', ')}]`
  }
  throw new TypeError(`no PHP literal for ${typeof value}`)
}

/** The GPL header Moodle puts at the top of its PHP files. */
export const PHP_HEADER = `<?php
// This file is part of Moodle - https://moodle.org/
//
// Moodle is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// Moodle is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with Moodle.  If not, see <https://www.gnu.org/licenses/>.
`

/** A phpdoc file block with a summary and a `@package` tag. */
export function phpDocBlock(summary: string, component: string): string {
  return `
/**
 * ${summary}
 *
 * @package    ${component}
 * @copyright  moodle-bridge test fixture
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
`
}
