import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parsePhpSubset, type PhpStatement } from './parse-php-subset.ts'
import { PhpSubsetError } from './php-subset-error.ts'
import { phpToJson, type PhpValue } from './php-value.ts'

const file = 'config.php'

/** The value of `$CFG->x = <expr>;`. */
function valueOf(expr: string): PhpValue {
  const [statement] = parsePhpSubset(`<?php $CFG->x = ${expr};`, { file })
  assert.equal(statement?.kind, 'assign')
  return (statement as PhpStatement & { kind: 'assign' }).value
}

function numberTextOf(expr: string): string | undefined {
  const [statement] = parsePhpSubset(`<?php $CFG->x = ${expr};`, { file })
  return (statement as PhpStatement & { kind: 'assign' }).numberText
}

/** Asserts that parsing throws PhpSubsetError with this line, setting and message fragment. */
function assertRefused(source: string, line: number, setting: string | RegExp | undefined, fragment: string | RegExp, options = {}): PhpSubsetError {
  let caught: unknown
  try {
    parsePhpSubset(source, { file, ...options })
  } catch (error) {
    caught = error
  }
  assert.ok(caught instanceof PhpSubsetError, `expected PhpSubsetError for ${source}, got ${String(caught)}`)
  assert.equal(caught.file, file)
  assert.equal(caught.line, line, caught.message)
  if (setting instanceof RegExp) assert.match(caught.setting ?? '', setting)
  else assert.equal(caught.setting, setting, caught.message)
  if (typeof fragment === 'string') assert.ok(caught.message.includes(fragment), caught.message)
  else assert.match(caught.message, fragment)
  return caught
}

describe('parsePhpSubset: literals', () => {
  it('reads strings', () => {
    assert.equal(valueOf(String.raw`'it\'s \n'`), "it's \\n")
    assert.equal(valueOf(String.raw`"line1\nline2\t\$x"`), 'line1\nline2\t$x')
  })

  it('reads numbers in every form and keeps their text', () => {
    assert.equal(valueOf('02777'), 0o2777)
    assert.equal(valueOf('0o755'), 0o755)
    assert.equal(valueOf('0x1F'), 31)
    assert.equal(valueOf('0b1010'), 10)
    assert.equal(valueOf('1_000_000'), 1000000)
    assert.equal(valueOf('2024100706.00'), 2024100706)
    assert.equal(valueOf('1.5e3'), 1500)
    assert.equal(valueOf('-5'), -5)
    assert.equal(valueOf('+5'), 5)
    assert.equal(valueOf('- 0.5'), -0.5)
    assert.equal(valueOf('-9223372036854775807'), -9223372036854775807n)
    assert.ok(Object.is(valueOf('-0'), 0))
    assert.ok(Object.is(valueOf('-0.0'), -0))
    assert.equal(numberTextOf('2024100706.00'), '2024100706.00')
    assert.equal(numberTextOf('-5'), '-5')
    assert.equal(numberTextOf("'5'"), undefined)
  })

  it('reads true, false and null in any case', () => {
    assert.equal(valueOf('true'), true)
    assert.equal(valueOf('FALSE'), false)
    assert.equal(valueOf('Null'), null)
    assert.equal(valueOf('\\true'), true)
  })

  it('reads both array syntaxes, nested, with trailing commas', () => {
    const value = valueOf("array('a' => [1, 2,], 'b' => array(), 'c' => ['x' => ['y' => true]],)")
    assert.deepEqual(phpToJson(value), { a: [1, 2], b: [], c: { x: { y: true } } })
  })

  it('follows PHP auto-index and key rules', () => {
    const value = valueOf("[1, 'a' => 2, 3, '5' => 'five', 'x', '05' => 'str', 1.7 => 'float', true => 'bool', null => 'null', -5 => 'neg']") as Map<string | number, PhpValue>
    assert.deepEqual([...value.entries()], [
      [0, 1],
      ['a', 2],
      [1, 'bool'], // 3, then overwritten by 1.7 → 1 and true → 1 in place
      [5, 'five'],
      [6, 'x'],
      ['05', 'str'],
      ['', 'null'],
      [-5, 'neg'],
    ])
  })

  it('continues numbering after the largest int key, also after negative keys (PHP 8.3)', () => {
    assert.deepEqual([...(valueOf("[10 => 'a', 'b', 3 => 'c', 'd']") as Map<string | number, PhpValue>).keys()], [10, 11, 3, 12])
    assert.deepEqual([...(valueOf("[-5 => 'a', 'b']") as Map<string | number, PhpValue>).keys()], [-5, -4])
  })

  it('lets a later duplicate key win in the first position', () => {
    assert.deepEqual([...(valueOf("['a' => 1, 'b' => 2, 'a' => 3]") as Map<string | number, PhpValue>)], [['a', 3], ['b', 2]])
  })

  it('uses the constants it is given', () => {
    const [statement] = parsePhpSubset('<?php $maturity = MATURITY_STABLE; $d = [\\ANY_VERSION];', {
      file,
      constants: new Map<string, PhpValue>([['MATURITY_STABLE', 200], ['ANY_VERSION', 'any']]),
    })
    assert.deepEqual(statement, { kind: 'assign', line: 1, target: { variable: 'maturity', keys: [] }, value: 200 })
  })
})

describe('parsePhpSubset: statements', () => {
  it('reads the statements of a config.php', () => {
    const statements = parsePhpSubset(
      [
        '<?php',
        'unset($CFG);',
        'global $CFG;',
        '$CFG = new stdClass();',
        '$CFG = new \\stdClass;',
        "$CFG->dboptions['dbport'] = 5432;",
        "$CFG->forced_plugin_settings['auth_ldap'][0] = 'x';",
        ';',
        "require_once __DIR__ . '/lib/setup.php';",
        'this is not parsed at all {{{',
      ].join('\n'),
      { file, allowBoot: true },
    )
    assert.deepEqual(statements, [
      { kind: 'unset', line: 2, variables: ['CFG'] },
      { kind: 'global', line: 3, variables: ['CFG'] },
      { kind: 'new', line: 4, variable: 'CFG' },
      { kind: 'new', line: 5, variable: 'CFG' },
      { kind: 'assign', line: 6, target: { variable: 'CFG', property: 'dboptions', keys: ['dbport'] }, value: 5432, numberText: '5432' },
      { kind: 'assign', line: 7, target: { variable: 'CFG', property: 'forced_plugin_settings', keys: ['auth_ldap', 0] }, value: 'x' },
      { kind: 'boot', line: 9 },
    ])
  })

  it('recognises every form of the boot include', () => {
    for (const line of [
      "require_once(__DIR__ . '/lib/setup.php');",
      "require_once(dirname(__FILE__) . '/lib/setup.php');",
      "require_once __DIR__.'/lib/setup.php';",
      "require(__DIR__ . '/lib/setup.php');",
      "include  __DIR__ . '/lib/setup.php';",
      "INCLUDE_ONCE(dirname(__FILE__) . '/lib/setup.php');",
      "require_once(__DIR__ . DIRECTORY_SEPARATOR . 'lib/setup.php');",
      "require_once('lib/setup.php');",
      "require_once('/var/www/moodle/lib/setup.php');",
      "require_once(dirname(__DIR__, 1) . '/moodle/lib/setup.php');",
    ]) {
      const statements = parsePhpSubset(`<?php\n$CFG->a = 1;\n${line}\n$CFG->b = getenv('X');`, { file, allowBoot: true })
      assert.deepEqual(statements.at(-1), { kind: 'boot', line: 3 }, line)
    }
  })

  it('accepts the MOODLE_INTERNAL guard where allowed', () => {
    for (const guard of [
      "defined('MOODLE_INTERNAL') || die();",
      "defined('MOODLE_INTERNAL') || die;",
      "defined('MOODLE_INTERNAL') or die();",
      "defined('MOODLE_INTERNAL') || exit();",
      "defined('MOODLE_INTERNAL') || exit;",
      "defined('MOODLE_INTERNAL') || die('Direct access to this script is forbidden.');",
      'defined("MOODLE_INTERNAL") || DIE();',
    ]) {
      assert.deepEqual(parsePhpSubset(`<?php\n${guard}`, { file, allowGuard: true }), [{ kind: 'guard', line: 2 }], guard)
    }
  })

  it('accepts a close tag as statement end and text-free tags around', () => {
    const statements = parsePhpSubset("<?php $CFG->a = 'x' ?>\n<?php $CFG->b = 2; ?>\n", { file })
    assert.deepEqual(statements.map((s) => s.kind === 'assign' && s.target.property), ['a', 'b'])
  })
})

describe('parsePhpSubset: refusals', () => {
  it('names getenv() with the setting and the override hint', () => {
    const error = assertRefused("<?php\n\n$CFG->dbpass = getenv('DB_PASS');", 3, 'dbpass', '$CFG->dbpass uses getenv()', {
      overrideHint: (setting: string) => (setting === 'dbpass' ? '--db-pass / MOODLE_BRIDGE_DB_PASS' : undefined),
    })
    assert.equal(
      error.message,
      'config.php line 3: $CFG->dbpass uses getenv(), which moodle-bridge cannot read without PHP; write a literal value or override it with --db-pass / MOODLE_BRIDGE_DB_PASS',
    )
  })

  it('names the array key inside an array value', () => {
    assertRefused("<?php\n$CFG->dboptions = array(\n  'dbpersist' => 0,\n  'dbport' => getenv('PORT'),\n);", 4, "dboptions['dbport']", "$CFG->dboptions['dbport'] uses getenv()")
    assertRefused("<?php $CFG->list = ['a', $x];", 1, 'list[1]', '$CFG->list[1] uses the variable $x')
    assertRefused("<?php $CFG->dboptions['dbport'] = $_ENV['P'];", 1, "dboptions['dbport']", 'uses $_ENV')
  })

  it('refuses superglobals, variables and magic constants', () => {
    assertRefused("<?php $CFG->wwwroot = $_SERVER['HTTP_HOST'];", 1, 'wwwroot', '$CFG->wwwroot uses $_SERVER')
    assertRefused('<?php $CFG->dbname = $name;', 1, 'dbname', 'uses the variable $name')
    assertRefused('<?php $CFG->dataroot = __DIR__;', 1, 'dataroot', 'uses __DIR__')
    assertRefused('<?php $CFG->dataroot = dirname(__FILE__);', 1, 'dataroot', 'uses dirname()')
  })

  it('refuses operators and concatenation at the operator', () => {
    assertRefused("<?php $CFG->wwwroot = 'http://'\n  . 'example.org';", 2, 'wwwroot', 'uses concatenation (.)')
    assertRefused('<?php $CFG->debug = 1 | 2;', 1, 'debug', 'uses the operator |')
    assertRefused('<?php $CFG->x = 1 + 2;', 1, 'x', 'uses the operator +')
    assertRefused("<?php $CFG->x = true ? 'a' : 'b';", 1, 'x', 'uses a ternary (?:)')
    assertRefused("<?php $CFG->x = 'a' ?? 'b';", 1, 'x', 'uses the operator ??')
    assertRefused('<?php $CFG->x = -true;', 1, 'x', 'uses arithmetic')
    assertRefused("<?php $CFG->x = ['a'][0];", 1, 'x', 'uses array access')
    assertRefused("<?php $CFG->x .= 'a';", 1, 'x', 'uses the operator .=')
    assertRefused('<?php $CFG->x++;', 1, 'x', 'uses the operator ++')
  })

  it('refuses constants, naming them unless the setting looks secret', () => {
    assertRefused('<?php $CFG->debug = (E_ALL | E_STRICT);', 1, 'debug', 'uses the constant E_ALL')
    assertRefused('<?php $CFG->debug = DEBUG_DEVELOPER;', 1, 'debug', 'uses the constant DEBUG_DEVELOPER')
    const error = assertRefused('<?php $CFG->dbpass = Sup3rSecret;', 1, 'dbpass', 'uses a constant')
    assert.ok(!error.message.includes('Sup3rSecret'))
    assertRefused('<?php $CFG->x = PHP_EOL;', 1, 'x', 'uses the constant PHP_EOL')
    assertRefused('<?php $CFG->x = Foo::BAR;', 1, 'x', 'uses a class constant')
  })

  it('refuses parentheses, casts, objects and closures', () => {
    assertRefused("<?php $CFG->x = ('a');", 1, 'x', 'uses parentheses')
    assertRefused("<?php $CFG->x = (int) '5';", 1, 'x', 'uses a type cast')
    assertRefused('<?php $CFG->x = new stdClass();', 1, 'x', 'creates an object (new)')
    assertRefused('<?php $CFG = new DateTime();', 1, 'CFG', 'creates an object of class DateTime')
    assertRefused('<?php $CFG->x = function () { return 1; };', 1, 'x', 'uses a closure')
    assertRefused('<?php $CFG->x = [...$a];', 1, 'x[0]', 'uses spread (...)')
    assertRefused('<?php $CFG->x = &$a;', 1, 'x', 'uses a reference (&)')
  })

  it('refuses interpolation, heredoc and nowdoc without showing the value', () => {
    const error = assertRefused('<?php\n$CFG->dbpass = "pw-$suffix";', 2, 'dbpass', 'uses a double-quoted string with variable interpolation')
    assert.ok(!error.message.includes('pw-'))
    assertRefused("<?php\n$CFG->x = <<<EOT\nvalue\nEOT;", 2, 'x', 'uses a heredoc/nowdoc string')
    assertRefused("<?php\n$CFG->x = <<<'EOT'\nvalue\nEOT;", 2, 'x', 'uses a heredoc/nowdoc string')
  })

  it('refuses statements outside the subset', () => {
    assertRefused("<?php\ndefine('CLI_SCRIPT', true);", 2, undefined, 'this statement calls define()')
    assertRefused("<?php\n@error_reporting(E_ALL);", 2, undefined, 'expected a statement but found @')
    assertRefused("<?php\nini_set('display_errors', '1');", 2, undefined, 'calls ini_set()')
    assertRefused("<?php\nif (true) { $CFG->x = 1; }", 2, undefined, 'uses `if`')
    assertRefused("<?php\necho 'x';", 2, undefined, 'uses `echo`')
    assertRefused("<?php\nrequire_once(__DIR__ . '/config-local.php');", 2, undefined, 'includes another file')
    assertRefused("<?php\ninclude 'lib/setup.php';", 2, undefined, 'includes lib/setup.php')
    assertRefused("<?php\ndefined('MOODLE_INTERNAL') || die();", 2, undefined, 'uses defined()')
    assertRefused("<?php\ndefined('OTHER') || die();", 2, undefined, 'uses defined()', { allowGuard: true })
    assertRefused("<?php\n#[Attribute]\n$CFG->x = 1;", 2, undefined, 'uses an attribute (#[…])')
    assertRefused('<?php $CFG->a->b = 1;', 1, 'a', 'sets a property of a nested object')
    assertRefused("<?php $CFG->{'a'} = 1;", 1, 'CFG', 'uses a dynamic property name')
    assertRefused('<?php $CFG->a[] = 1;', 1, 'a', 'appends with []')
    assertRefused('<?php $$name = 1;', 1, undefined, 'uses a variable variable')
  })

  it('reports syntax errors with the setting but without the value', () => {
    const error = assertRefused("<?php\n$CFG->dbpass = 'secret' 'more';", 2, 'dbpass', "$CFG->dbpass: expected ; but found a string")
    assert.ok(!error.message.includes('secret'))
    assertRefused("<?php $CFG->x = 'a'", 1, 'x', 'expected ; but found the end of the file')
    assertRefused('<?php $CFG->x = [1 2];', 1, 'x', 'expected , or ] but found a number')
    assertRefused('<?php $CFG->x = [1,,2];', 1, 'x', 'expected an array entry but found ,')
    assertRefused('<?php $CFG->x = ;', 1, 'x', 'expected a value but found ;')
    assertRefused('<?php $CFG->x = "a $b" ', 1, 'x', 'interpolation')
    assertRefused("<?php 'x';", 1, undefined, 'expected a statement but found a string')
    assertRefused("<?php $CFG->x = 'never closed;", 1, 'x', 'uses an unterminated string')
    assertRefused("text first\n<?php $CFG->x = 1;", 1, undefined, 'uses text outside the <?php … ?> tags')
  })

  it('limits array nesting', () => {
    assertRefused(`<?php $CFG->x = ${'['.repeat(100)}${']'.repeat(100)};`, 1, /^x(\[0\])+$/, 'nested too deeply')
  })
})
