// A lenient, fast reader for Moodle language files (`$string['key'] = 'value';`, moodle.md §2.6).
// It is a scanner, not the strict subset parser: a statement it cannot read is skipped, never an
// error, and statements whose key is not wanted are stepped over without decoding their value.

import { decodeDoubleQuoted, decodeSingleQuoted, scanPhpString } from './php-string-literal.ts'
import { lineCommentEnd } from './tokenize-php.ts'

const DOLLAR = 0x24
const SEMICOLON = 0x3b
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const EQUALS = 0x3d
const GREATER = 0x3e
const QUESTION = 0x3f
const SLASH = 0x2f
const STAR = 0x2a
const HASH = 0x23
const LESS = 0x3c
const SINGLE_QUOTE = 0x27
const DOUBLE_QUOTE = 0x22
const BACKTICK = 0x60
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d

/**
 * The strings of a language file, key → value, for every `$string['key'] = '…';` whose key and
 * value are plain string literals (single- or double-quoted, PHP escapes decoded). Anything else
 * (concatenation, heredoc, interpolation, other statements) is skipped. With `wanted`, only those
 * keys are returned and the other statements are skipped unread. A later assignment wins.
 */
export function readLangStrings(source: string, wanted?: ReadonlySet<string>): Map<string, string> {
  const strings = new Map<string, string>()
  const length = source.length
  let i = afterOpenTag(source, 0)
  while (i >= 0 && i < length) {
    i = skipTrivia(source, i)
    if (i >= length) break
    const c = source.charCodeAt(i)
    if (c === DOLLAR && source.startsWith('string', i + 1) && !isIdentPart(source.charCodeAt(i + 7))) {
      i = readAssignment(source, i + 7, strings, wanted)
    } else if (c === QUESTION && source.charCodeAt(i + 1) === GREATER) {
      i = afterOpenTag(source, i + 2)
    } else if (c === OPEN_BRACE || c === CLOSE_BRACE) {
      i++
    } else {
      i = skipStatement(source, i)
    }
  }
  return strings
}

/** Reads `['key'] = 'value';` after `$string`; returns where scanning continues. */
function readAssignment(source: string, from: number, strings: Map<string, string>, wanted: ReadonlySet<string> | undefined): number {
  let i = skipTrivia(source, from)
  if (source.charCodeAt(i) !== OPEN_BRACKET) return skipStatement(source, i)
  i = skipTrivia(source, i + 1)
  const keyEnd = quotedEnd(source, i)
  if (keyEnd < 0) return skipStatement(source, i)
  const key = literalValue(source, i, keyEnd)
  i = skipTrivia(source, keyEnd)
  if (key === undefined || source.charCodeAt(i) !== CLOSE_BRACKET) return skipStatement(source, i)
  i = skipTrivia(source, i + 1)
  const next = source.charCodeAt(i + 1)
  if (source.charCodeAt(i) !== EQUALS || next === EQUALS || next === GREATER) return skipStatement(source, i)
  i = skipTrivia(source, i + 1)
  if (wanted !== undefined && !wanted.has(key)) return skipStatement(source, i)
  const valueEnd = quotedEnd(source, i)
  if (valueEnd < 0) return skipStatement(source, i)
  const value = literalValue(source, i, valueEnd)
  const end = skipTrivia(source, valueEnd)
  const terminator = source.charCodeAt(end)
  const closes = terminator === QUESTION && source.charCodeAt(end + 1) === GREATER
  if (value === undefined || (terminator !== SEMICOLON && !closes)) return skipStatement(source, end)
  strings.set(key, value)
  return closes ? end : end + 1
}

/** End of the '…' or "…" literal at `start`, -1 when there is none (or it never ends). */
function quotedEnd(source: string, start: number): number {
  const quote = source.charCodeAt(start)
  if (quote !== SINGLE_QUOTE && quote !== DOUBLE_QUOTE) return -1
  return scanPhpString(source, start)
}

function literalValue(source: string, start: number, end: number): string | undefined {
  const body = source.slice(start + 1, end - 1)
  if (source.charCodeAt(start) === SINGLE_QUOTE) return decodeSingleQuoted(body)
  const decoded = decodeDoubleQuoted(body)
  return decoded.ok ? decoded.value : undefined
}

/** Index after the next `<?php` open tag, or -1. */
function afterOpenTag(source: string, from: number): number {
  let search = from
  for (;;) {
    const open = source.indexOf('<?', search)
    if (open < 0) return -1
    if (source.slice(open + 2, open + 5).toLowerCase() === 'php') return open + 5
    search = open + 2
  }
}

function skipTrivia(source: string, from: number): number {
  const length = source.length
  let i = from
  while (i < length) {
    const c = source.charCodeAt(i)
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++
    else if (c === HASH || (c === SLASH && source.charCodeAt(i + 1) === SLASH)) i = lineCommentEnd(source, i)
    else if (c === SLASH && source.charCodeAt(i + 1) === STAR) {
      const end = source.indexOf('*/', i + 2)
      i = end < 0 ? length : end + 2
    } else break
  }
  return i
}

/**
 * Steps over the rest of a statement: past the next `;`, `{` or `}` outside strings and comments
 * (so the statements inside a block are still read), or up to a `?>`.
 */
function skipStatement(source: string, from: number): number {
  const length = source.length
  let i = from
  while (i < length) {
    const c = source.charCodeAt(i)
    if (c === SEMICOLON || c === OPEN_BRACE || c === CLOSE_BRACE) return i + 1
    if (c === SINGLE_QUOTE || c === DOUBLE_QUOTE || c === BACKTICK) {
      const end = scanPhpString(source, i)
      if (end < 0) return length
      i = end
    } else if (c === HASH || (c === SLASH && source.charCodeAt(i + 1) === SLASH)) {
      i = lineCommentEnd(source, i)
    } else if (c === SLASH && source.charCodeAt(i + 1) === STAR) {
      const end = source.indexOf('*/', i + 2)
      if (end < 0) return length
      i = end + 2
    } else if (c === QUESTION && source.charCodeAt(i + 1) === GREATER) {
      return i
    } else if (c === LESS && source.startsWith('<<<', i)) {
      i = heredocEnd(source, i)
    } else {
      i++
    }
  }
  return length
}

/** End of the heredoc/nowdoc starting at `<<<` (PHP 7.3+: the closing marker may be indented). */
function heredocEnd(source: string, start: number): number {
  let i = start + 3
  while (source.charCodeAt(i) === 0x20 || source.charCodeAt(i) === 0x09) i++
  const quote = source.charCodeAt(i)
  if (quote === SINGLE_QUOTE || quote === DOUBLE_QUOTE) i++
  const nameStart = i
  while (isIdentPart(source.charCodeAt(i))) i++
  const name = source.slice(nameStart, i)
  if (quote === SINGLE_QUOTE || quote === DOUBLE_QUOTE) i++
  const first = name.charCodeAt(0)
  if (name === '' || (first >= 0x30 && first <= 0x39)) return start + 3
  let lineStart = source.indexOf('\n', i)
  while (lineStart >= 0) {
    let j = lineStart + 1
    while (source.charCodeAt(j) === 0x20 || source.charCodeAt(j) === 0x09) j++
    if (source.startsWith(name, j) && !isIdentPart(source.charCodeAt(j + name.length))) return j + name.length
    lineStart = source.indexOf('\n', j)
  }
  return source.length
}

function isIdentPart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c >= 0x80
}
