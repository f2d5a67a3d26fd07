import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { readLangStrings } from './read-lang-strings.ts'

const HEADER = `<?php
// This file is part of Moodle - http://moodle.org/
//
// Moodle is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by

/**
 * Strings for component 'block_xp', language 'en'.
 *
 * @package    block_xp
 */

defined('MOODLE_INTERNAL') || die();

`

describe('readLangStrings', () => {
  it('reads plain single-quoted strings with placeholders and escapes', () => {
    const strings = readLangStrings(
      HEADER +
        String.raw`$string['pluginname'] = 'Level Up XP';
$string['admincategory'] = 'Category: {$a}';
$string['cannotuninstall'] = 'You cannot uninstall the \'{$a->filter}\' filter.';
$string['backslash'] = 'C:\path\to\file and \\ one';
$string['html'] = '<a href="{$a}">link</a>';
`,
    )
    assert.deepEqual(Object.fromEntries(strings), {
      pluginname: 'Level Up XP',
      admincategory: 'Category: {$a}',
      cannotuninstall: "You cannot uninstall the '{$a->filter}' filter.",
      backslash: 'C:\\path\\to\\file and \\ one',
      html: '<a href="{$a}">link</a>',
    })
  })

  it('reads double-quoted strings and keys with their escapes', () => {
    const strings = readLangStrings(String.raw`<?php
$string["double"] = "Tab\there\nnew line, a \"quote\", \$a and \x41\u{e9}";
$string["price"] = "5$";
`)
    assert.equal(strings.get('double'), 'Tab\there\nnew line, a "quote", $a and Aé')
    assert.equal(strings.get('price'), '5$')
  })

  it('reads multi-line strings and odd spacing', () => {
    const strings = readLangStrings(`<?php
$string['help'] = 'First line.

Second line; with a semicolon.';
$string [ 'spaced' ]   =
   'value' ;
$string['last'] = 'no semicolon before the close tag' ?>
`)
    assert.deepEqual(Object.fromEntries(strings), {
      help: 'First line.\n\nSecond line; with a semicolon.',
      spaced: 'value',
      last: 'no semicolon before the close tag',
    })
  })

  it('skips statements it cannot read and keeps going', () => {
    const strings = readLangStrings(`<?php
$string['before'] = 'ok 1';
$string['concat'] = 'a' . 'b';
$string['interpolated'] = "Hello {$a['name']} and \${b}";
$string['heredoc'] = <<<EOT
  Not read; $string['inside'] = 'no';
  EOT;
$string['nowdoc'] = <<<'EOT'
Not read either'; "
EOT;
$string['variable'] = $string['before'];
$string['call'] = get_string('x', 'y');
$string[5] = 'int key';
$string['noquote'] = 42;
$other['x'] = 'not a string';
$strings['x'] = 'other variable';
if ($CFG->x) {
    $string['inblock'] = 'in a block';
}
$string['after'] = 'ok 2';
`)
    assert.deepEqual(Object.fromEntries(strings), { before: 'ok 1', inblock: 'in a block', after: 'ok 2' })
  })

  it('ignores strings in comments', () => {
    const strings = readLangStrings(`<?php
// $string['commented'] = 'no';
# $string['hashed'] = 'no';
/* $string['block'] = 'no';
   $string['block2'] = 'no'; */
$string['real'] = 'yes'; // $string['trailing'] = 'no';
`)
    assert.deepEqual([...strings.keys()], ['real'])
  })

  it('lets a later assignment win', () => {
    assert.equal(readLangStrings("<?php $string['a'] = 'one'; $string['a'] = 'two';").get('a'), 'two')
  })

  it('returns only the wanted keys', () => {
    const source = `${HEADER}$string['modulename'] = 'Forum';\n$string['pluginname'] = 'Forum plugin';\n$string['other'] = 'x';\n$string['skipped'] = 'a' . "b;" . 'c';\n$string['pluginadministration'] = 'Admin';\n`
    const strings = readLangStrings(source, new Set(['pluginname', 'modulename']))
    assert.deepEqual(Object.fromEntries(strings), { modulename: 'Forum', pluginname: 'Forum plugin' })
    assert.equal(readLangStrings(source, new Set()).size, 0)
  })

  it('never throws on broken files', () => {
    for (const source of ['', 'no php', '<?php', "<?php $string['a'] = 'unterminated", '<?php $string[', '<?php /* open', '<?php <<<', "<?php $string['a'] = \"{$x\";"]) {
      assert.doesNotThrow(() => readLangStrings(source), source)
    }
    assert.deepEqual(Object.fromEntries(readLangStrings("<?php $string['a'] = 'A'; $string['b'] = 'unterminated")), { a: 'A' })
  })

  it('reads a 5 KB file, filtered to the wanted keys or whole', () => {
    // Speed is not asserted here (no timed tests); bench/cold-start.ts covers it (the first /plugins answers after a start read every plugin's strings).
    let source = HEADER
    let count = 0
    for (let i = 0; source.length < 5000; i++, count++) {
      source += `$string['key${i}'] = 'A string number ${i} that doesn\\'t say much: {$a->name} <a href="x">link</a>.';\n`
    }
    source += "$string['pluginname'] = 'Found';\n"
    const wanted = new Set(['pluginname', 'modulename'])
    assert.deepEqual([...readLangStrings(source, wanted)], [['pluginname', 'Found']])
    const all = readLangStrings(source)
    assert.equal(all.size, count + 1)
    assert.equal(all.get('key3'), 'A string number 3 that doesn\'t say much: {$a->name} <a href="x">link</a>.')
  })
})
