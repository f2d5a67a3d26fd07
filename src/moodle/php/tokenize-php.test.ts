import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { tokenizePhp, type PhpToken } from './tokenize-php.ts'

function kinds(source: string): string[] {
  return tokenizePhp(source).map(show)
}

function show(token: PhpToken): string {
  switch (token.kind) {
    case 'var': return `$${token.name}`
    case 'name': return `name:${token.name}`
    case 'string': return `str:${token.value}`
    case 'number': return `num:${token.raw}=${String(token.value)}${token.float ? 'f' : ''}`
    case 'op': return token.op
    case 'closeTag': return '?>'
    case 'unsupported': return `!${token.what}`
    case 'end': return 'end'
  }
}

describe('tokenizePhp', () => {
  it('tokenizes an assignment with line numbers', () => {
    const tokens = tokenizePhp("<?php\n\n$CFG->dbname = 'moodle';\n")
    assert.deepEqual(tokens.map(show), ['$CFG', '->', 'name:dbname', '=', 'str:moodle', ';', 'end'])
    assert.deepEqual(tokens.map((t) => t.line), [3, 3, 3, 3, 3, 3, 4])
  })

  it('skips all comment kinds and counts their lines', () => {
    const source = "<?php // one\n# two\n/* three\n four */ $a /** five */ = 1; // a line comment ends at ?>\n"
    const tokens = tokenizePhp(source)
    assert.deepEqual(tokens.map(show), ['$a', '=', 'num:1=1', ';', '?>', 'end'])
    assert.equal(tokens[0]!.line, 4)
  })

  it('refuses #[ attributes', () => {
    assert.deepEqual(kinds('<?php #[Attr]\n$a = 1;'), ['!an attribute (#[…])', 'end'])
  })

  it('reads integers in every base, with separators', () => {
    assert.deepEqual(kinds('<?php 0 42 1_000 02777 0o17 0O17 0x1F 0XfF 0b101 0B1_1'), [
      'num:0=0', 'num:42=42', 'num:1_000=1000', 'num:02777=1535', 'num:0o17=15', 'num:0O17=15',
      'num:0x1F=31', 'num:0XfF=255', 'num:0b101=5', 'num:0B1_1=3', 'end',
    ])
  })

  it('reads floats and keeps their text', () => {
    assert.deepEqual(kinds('<?php 2024100706.00 .5 1. 1e3 1.5E-2 1_0.2_5'), [
      'num:2024100706.00=2024100706f', 'num:.5=0.5f', 'num:1.=1f', 'num:1e3=1000f', 'num:1.5E-2=0.015f',
      'num:1_0.2_5=10.25f', 'end',
    ])
  })

  it('keeps big integers exact as bigint and turns overflow into a float', () => {
    const [big, max, over] = tokenizePhp('<?php 9007199254740993 0x7FFFFFFFFFFFFFFF 9223372036854775808')
    assert.deepEqual(big, { kind: 'number', value: 9007199254740993n, raw: '9007199254740993', float: false, line: 1 })
    assert.equal(max?.kind === 'number' && max.value, 9223372036854775807n)
    assert.equal(over?.kind === 'number' && over.float && over.value, 9223372036854775808)
  })

  it('refuses invalid numeric literals', () => {
    assert.deepEqual(kinds('<?php 09'), ['!an invalid numeric literal', 'end'])
    assert.deepEqual(kinds('<?php 1_'), ['!an invalid numeric literal', 'end'])
    assert.deepEqual(kinds('<?php 0x'), ['!an invalid numeric literal', 'end'])
    assert.deepEqual(kinds('<?php 12abc'), ['!an invalid numeric literal', 'end'])
  })

  it('decodes single-quoted strings: only \\\\ and \\\' are escapes', () => {
    assert.deepEqual(kinds(String.raw`<?php 'it\'s' 'a\\b' 'c:\path\n' '\\\''`), [
      "str:it's", 'str:a\\b', 'str:c:\\path\\n', "str:\\'", 'end',
    ])
  })

  it('decodes double-quoted escapes', () => {
    const [token] = tokenizePhp(String.raw`<?php "a\nb\tc\rd\ve\ef\fg\\h\$i\"j\101\x42\u{1F600}\q\x\u"`)
    assert.equal(token?.kind === 'string' && token.value, 'a\nb\tc\rd\ve\x1bf\fg\\h$i"jAB😀\\q\\x\\u')
  })

  it('decodes byte escapes as UTF-8 and wraps octal above \\377', () => {
    const [bytes, wrapped, nul] = tokenizePhp(String.raw`<?php "caf\xC3\xA9 \303\251" "\400" "\0"`)
    assert.equal(bytes?.kind === 'string' && bytes.value, 'café é')
    assert.equal(wrapped?.kind === 'string' && wrapped.value, '\0')
    assert.equal(nul?.kind === 'string' && nul.value, '\0')
  })

  it('keeps a $ that does not start a variable', () => {
    assert.deepEqual(kinds('<?php "cost: 5$" "$1" "a $ b"'), ['str:cost: 5$', 'str:$1', 'str:a $ b', 'end'])
  })

  it('reports interpolation and other unreadable strings', () => {
    assert.deepEqual(kinds('<?php "a $b"'), ['!a double-quoted string with variable interpolation', 'end'])
    assert.deepEqual(kinds('<?php "a {$b["c"]} d"; 1'), [
      '!a double-quoted string with variable interpolation', ';', 'num:1=1', 'end',
    ])
    assert.deepEqual(kinds('<?php "a ${b}"'), ['!a double-quoted string with variable interpolation', 'end'])
    assert.deepEqual(kinds(String.raw`<?php "\u{110000}"`), ['!an invalid \\u{…} escape', 'end'])
    assert.deepEqual(kinds("<?php 'open"), ['!an unterminated string', 'end'])
    assert.deepEqual(kinds('<?php <<<EOT\nx\nEOT;'), ['!a heredoc/nowdoc string', 'end'])
    assert.deepEqual(kinds('<?php `ls`'), ['!a shell command (backticks)', 'end'])
    assert.deepEqual(kinds('<?php /* open'), ['!an unterminated comment', 'end'])
  })

  it('reads names, qualified names and variables', () => {
    assert.deepEqual(kinds('<?php new \\stdClass(); Foo\\Bar TRUE $_SERVER $$x'), [
      'name:new', 'name:\\stdClass', '(', ')', ';', 'name:Foo\\Bar', 'name:TRUE', '$_SERVER', '!a variable variable', 'end',
    ])
  })

  it('takes the longest operator', () => {
    assert.deepEqual(kinds('<?php => -> .= || ?? === . - ['), ['=>', '->', '.=', '||', '??', '===', '.', '-', '[', 'end'])
  })

  it('handles the open and close tags', () => {
    assert.deepEqual(kinds('\uFEFF\n<?php $a; ?>\n'), ['$a', ';', '?>', 'end'])
    assert.deepEqual(kinds('<?php $a ?>\n\n<?php $b;'), ['$a', '?>', '$b', ';', 'end'])
    assert.deepEqual(kinds('<?PHP\n$a;'), ['$a', ';', 'end'])
    assert.deepEqual(kinds('hello <?php $a;'), ['!text outside the <?php … ?> tags', 'end'])
    assert.deepEqual(kinds('<?php $a; ?>\nhello'), ['$a', ';', '?>', '!text outside the <?php … ?> tags', 'end'])
    assert.deepEqual(kinds('no php here'), ['!text outside the <?php … ?> tags', 'end'])
    assert.deepEqual(kinds(''), ['end'])
  })
})
