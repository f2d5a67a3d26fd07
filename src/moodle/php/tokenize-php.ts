// A PHP tokenizer for the literal subset read from config.php and version.php; anything it cannot
// represent becomes an `unsupported` token that the parser reports with the setting it belongs to.
//
// Why ours and not `php-parser` (glayzzle 3.7.0), checked for issue #9 point 4: walking its syntax
// tree cannot give today's behaviour.
// - It parses the whole file. config.php is read only up to `require_once … lib/setup.php` (what
//   follows runs after Moodle boots and may be anything): php-parser fails the file on a syntax error
//   after that line; with `suppressErrors` it returns a guessed tree and a list of errors.
// - Its syntax errors quote the offending token, e.g. `unexpected ''more''
//   (T_CONSTANT_ENCAPSED_STRING)` for `$CFG->dbpass = 'secret' 'more';`: a setting's value (a
//   password) would reach the message, which PhpSubsetError promises never to show; ours says
//   `$CFG->dbpass: expected ; but found a string`. It names no setting, and its messages differ
//   from the ones the tests and docs pin.
// - Its line for an unterminated string is the end of the file; ours is the line the string starts.
// - Its string values decode escapes byte by byte into characters (`"\303\251"` becomes `Ã©`); PHP
//   strings are bytes and ours decodes them as UTF-8 (`é`), as Moodle reads them.
// - It accepts `09` as a number; PHP refuses it ("invalid numeric literal"), so do we.
// Each could be patched around, but the error messages (line, setting, wording) are the contract
// here, and they come from this pull tokenizer and parse-php-subset.ts. php-parser stays unused.

import { decodeDoubleQuoted, decodeSingleQuoted, scanPhpString } from './php-string-literal.ts'

/** One token. `line` is the 1-based line where the token starts. */
export type PhpToken =
  | { kind: 'var'; name: string; line: number }
  /** A name or keyword as written, possibly namespace-qualified (`\stdClass`, `true`, `getenv`). */
  | { kind: 'name'; name: string; line: number }
  | { kind: 'string'; value: string; line: number }
  /** `value` is a bigint for ints beyond 2^53 up to PHP_INT_MAX; larger ints become floats, as in PHP. */
  | { kind: 'number'; value: number | bigint; raw: string; float: boolean; line: number }
  | { kind: 'op'; op: string; line: number }
  /** `?>`: ends the statement like `;`. */
  | { kind: 'closeTag'; line: number }
  /** Something outside the subset; `what` completes "uses …", e.g. 'a heredoc/nowdoc string'. */
  | { kind: 'unsupported'; what: string; line: number }
  | { kind: 'end'; line: number }

// Longest first: the tokenizer takes the first operator that matches at the current position.
const OPERATORS = [
  '<<=', '>>=', '**=', '...', '===', '!==', '<=>', '??=', '?->',
  '->', '=>', '::', '==', '!=', '<>', '<=', '>=', '&&', '||', '??', '++', '--', '+=', '-=', '*=',
  '/=', '.=', '%=', '&=', '|=', '^=', '<<', '>>', '**',
]

const HEX_NUMBER = /0[xX][0-9a-fA-F]+(?:_[0-9a-fA-F]+)*/y
const BINARY_NUMBER = /0[bB][01]+(?:_[01]+)*/y
const OCTAL_NUMBER = /0[oO][0-7]+(?:_[0-7]+)*/y
const DIGITS = '[0-9]+(?:_[0-9]+)*'
const FLOAT_NUMBER = new RegExp(
  `(?:(?:${DIGITS})?\\.${DIGITS}|${DIGITS}\\.(?:${DIGITS})?)(?:[eE][+-]?${DIGITS})?|${DIGITS}[eE][+-]?${DIGITS}`,
  'y',
)
const DECIMAL_NUMBER = new RegExp(DIGITS, 'y')

const INT64_MAX = 2n ** 63n - 1n

/**
 * Pull tokenizer over a PHP source: `next()` returns tokens one at a time, so a parser that
 * stops early (at `require … lib/setup.php`) never looks at the rest of the file. Text outside
 * `<?php … ?>` other than whitespace (and a UTF-8 byte order mark) is reported as unsupported.
 */
export class PhpLexer {
  private pos = 0
  private line = 1
  private countedTo = 0
  private inPhp = false
  private finished = false

  constructor(private readonly source: string) {
    if (source.charCodeAt(0) === 0xfeff) this.pos = this.countedTo = 1
  }

  /** The next token; after the end (or an unsupported token that cannot be skipped) always `end`. */
  next(): PhpToken {
    if (this.finished) return { kind: 'end', line: this.lineAt(this.source.length) }
    if (!this.inPhp && !this.enterPhp()) {
      return this.finish(this.textOutsideTags())
    }
    const problem = this.skipTrivia()
    if (problem) return this.finish(problem)
    const { source, pos } = this
    if (pos >= source.length) return this.finish({ kind: 'end', line: this.lineAt(pos) })
    const line = this.lineAt(pos)
    const c = source.charCodeAt(pos)

    if (c === 0x3f /* ? */ && source.charCodeAt(pos + 1) === 0x3e /* > */) {
      // PHP swallows one newline right after the close tag.
      this.pos += source.startsWith('\r\n', pos + 2) ? 4 : source.charCodeAt(pos + 2) === 0x0a ? 3 : 2
      this.inPhp = false
      return { kind: 'closeTag', line }
    }
    if (c === 0x24 /* $ */) {
      const end = this.identEnd(pos + 1)
      if (end === pos + 1) return this.finish({ kind: 'unsupported', what: 'a variable variable', line })
      this.pos = end
      return { kind: 'var', name: source.slice(pos + 1, end), line }
    }
    if (c === 0x27 /* ' */ || c === 0x22 /* " */) return this.stringToken(line)
    if (c === 0x60 /* ` */) return this.finish({ kind: 'unsupported', what: 'a shell command (backticks)', line })
    if (isDigit(c) || (c === 0x2e /* . */ && isDigit(source.charCodeAt(pos + 1)))) return this.numberToken(line)
    if (isIdentStart(c) || (c === 0x5c /* \ */ && isIdentStart(source.charCodeAt(pos + 1)))) {
      return this.nameToken(line)
    }
    if (source.startsWith('<<<', pos)) {
      return this.finish({ kind: 'unsupported', what: 'a heredoc/nowdoc string', line })
    }
    const op = OPERATORS.find((candidate) => source.startsWith(candidate, pos)) ?? source[pos]!
    this.pos += op.length
    return { kind: 'op', op, line }
  }

  private finish(token: PhpToken): PhpToken {
    this.finished = true
    return token
  }

  /** 1-based line of `pos`; positions are asked for in increasing order, so counting is incremental. */
  private lineAt(pos: number): number {
    if (pos < this.countedTo) {
      this.line = 1
      this.countedTo = 0
    }
    for (let i = this.countedTo; i < pos; i++) if (this.source.charCodeAt(i) === 0x0a) this.line++
    this.countedTo = pos
    return this.line
  }

  /** Moves past the next `<?php` open tag; false when there is none or text comes first. */
  private enterPhp(): boolean {
    const { source } = this
    let search = this.pos
    for (;;) {
      const open = source.indexOf('<?', search)
      if (open < 0) return false
      const after = source.charCodeAt(open + 5)
      if (source.slice(open + 2, open + 5).toLowerCase() === 'php' && (Number.isNaN(after) || isSpace(after))) {
        if (source.slice(this.pos, open).trim() !== '') return false
        this.pos = open + 5
        this.inPhp = true
        return true
      }
      search = open + 2
    }
  }

  private textOutsideTags(): PhpToken {
    const rest = this.source.slice(this.pos)
    const offset = rest.search(/\S/)
    if (offset < 0) return { kind: 'end', line: this.lineAt(this.source.length) }
    const line = this.lineAt(this.pos + offset)
    return { kind: 'unsupported', what: 'text outside the <?php … ?> tags', line }
  }

  /** Skips whitespace and comments; returns an unsupported token for `#[` or an open comment. */
  private skipTrivia(): PhpToken | undefined {
    const { source } = this
    const length = source.length
    let i = this.pos
    while (i < length) {
      const c = source.charCodeAt(i)
      if (isSpace(c)) {
        i++
      } else if (c === 0x23 /* # */ || (c === 0x2f /* / */ && source.charCodeAt(i + 1) === 0x2f)) {
        if (c === 0x23 && source.charCodeAt(i + 1) === 0x5b /* [ */) {
          this.pos = i
          return { kind: 'unsupported', what: 'an attribute (#[…])', line: this.lineAt(i) }
        }
        i = lineCommentEnd(source, i)
      } else if (c === 0x2f && source.charCodeAt(i + 1) === 0x2a /* * */) {
        const end = source.indexOf('*/', i + 2)
        if (end < 0) return { kind: 'unsupported', what: 'an unterminated comment', line: this.lineAt(i) }
        i = end + 2
      } else {
        break
      }
    }
    this.pos = i
    return undefined
  }

  private stringToken(line: number): PhpToken {
    const { source, pos } = this
    const end = scanPhpString(source, pos)
    if (end < 0) return this.finish({ kind: 'unsupported', what: 'an unterminated string', line })
    this.pos = end
    const body = source.slice(pos + 1, end - 1)
    if (source.charCodeAt(pos) === 0x27) return { kind: 'string', value: decodeSingleQuoted(body), line }
    const decoded = decodeDoubleQuoted(body)
    return decoded.ok
      ? { kind: 'string', value: decoded.value, line }
      : { kind: 'unsupported', what: decoded.problem, line }
  }

  private numberToken(line: number): PhpToken {
    const { source, pos } = this
    for (const [pattern, base] of NUMBER_PATTERNS) {
      pattern.lastIndex = pos
      const match = pattern.exec(source)
      if (!match) continue
      const raw = match[0]
      const end = pos + raw.length
      if (isIdentPart(source.charCodeAt(end))) break
      this.pos = end
      const digits = raw.replaceAll('_', '')
      if (base === 'float') return { kind: 'number', value: Number(digits), raw, float: true, line }
      let literal: string
      if (base !== 'decimal') literal = digits // 0x…, 0b…, 0o… are BigInt literals too
      else if (digits.length > 1 && digits.startsWith('0')) {
        if (!/^[0-7]+$/.test(digits)) break // 09 is a parse error in PHP
        literal = `0o${digits.slice(1)}`
      } else literal = digits
      return { ...intValue(BigInt(literal)), raw, line }
    }
    return this.finish({ kind: 'unsupported', what: 'an invalid numeric literal', line })
  }

  private nameToken(line: number): PhpToken {
    const { source } = this
    let end = this.pos
    do {
      if (source.charCodeAt(end) === 0x5c) end++
      end = this.identEnd(end)
    } while (source.charCodeAt(end) === 0x5c && isIdentStart(source.charCodeAt(end + 1)))
    const name = source.slice(this.pos, end)
    this.pos = end
    return { kind: 'name', name, line }
  }

  private identEnd(from: number): number {
    const { source } = this
    if (!isIdentStart(source.charCodeAt(from))) return from
    let end = from + 1
    while (isIdentPart(source.charCodeAt(end))) end++
    return end
  }
}

const NUMBER_PATTERNS: [RegExp, 'hex' | 'binary' | 'octal' | 'float' | 'decimal'][] = [
  [HEX_NUMBER, 'hex'],
  [BINARY_NUMBER, 'binary'],
  [OCTAL_NUMBER, 'octal'],
  [FLOAT_NUMBER, 'float'],
  [DECIMAL_NUMBER, 'decimal'],
]

/** An int literal's value: number when exact, bigint up to PHP_INT_MAX, a float beyond (as PHP). */
function intValue(value: bigint): { kind: 'number'; value: number | bigint; float: boolean } {
  if (value > INT64_MAX) return { kind: 'number', value: Number(value), float: true }
  const asNumber = Number(value)
  return { kind: 'number', value: Number.isSafeInteger(asNumber) ? asNumber : value, float: false }
}

/** End of a `//` or `#` comment: the end of the line, or just before a `?>` on the same line. */
export function lineCommentEnd(source: string, from: number): number {
  const newline = source.indexOf('\n', from)
  const lineEnd = newline < 0 ? source.length : newline
  // Look for `?>` on this line only: searching the whole rest of the file per comment is quadratic.
  for (let i = from; i < lineEnd - 1; i++) {
    if (source.charCodeAt(i) === 0x3f && source.charCodeAt(i + 1) === 0x3e) return i
  }
  return lineEnd
}

/** All tokens of a source, ending with the `end` token (which follows any unrecoverable one). */
export function tokenizePhp(source: string): PhpToken[] {
  const lexer = new PhpLexer(source)
  const tokens: PhpToken[] = []
  for (;;) {
    const token = lexer.next()
    tokens.push(token)
    if (token.kind === 'end') return tokens
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

function isIdentStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0x80
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c)
}
