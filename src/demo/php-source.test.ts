import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { langPhp, phpArray, phpString, pluginVersionPhp } from './php-source.ts'

describe('php-source', () => {
  it('escapes only backslashes and quotes in single-quoted strings', () => {
    assert.equal(phpString("O'Neill"), "'O\\'Neill'")
    assert.equal(phpString('C:\\path\\n'), "'C:\\\\path\\\\n'")
    assert.equal(phpString('Zoë & $x'), "'Zoë & $x'")
  })

  it('writes lists and maps as short arrays', () => {
    assert.equal(phpArray([401, 405]), '[401, 405]')
    assert.equal(phpArray({ mod_forum: 2024100100, tool_lp: 'any' }), "['mod_forum' => 2024100100, 'tool_lp' => 'any']")
  })

  it('writes one statement per line, set properties only', () => {
    const php = pluginVersionPhp({ component: 'block_x', version: 2025010100, requires: 2024100100, maturity: 150, supported: [404, 405] })
    assert.deepEqual(php.split('\n').filter((line) => line.startsWith('$')), [
      "$plugin->component = 'block_x';",
      '$plugin->version = 2025010100;',
      '$plugin->requires = 2024100100;',
      '$plugin->maturity = MATURITY_RC;',
      '$plugin->supported = [404, 405];',
    ])
    assert.ok(php.startsWith("<?php\n"))
    assert.ok(php.includes("\ndefined('MOODLE_INTERNAL') || die();\n"))
  })

  it('writes language strings in order', () => {
    const php = langPhp({ pluginname: "Teacher's desk", modulename: 'Desk' })
    assert.ok(php.endsWith("$string['pluginname'] = 'Teacher\\'s desk';\n$string['modulename'] = 'Desk';\n"))
  })
})
