// Scanning and decoding of PHP quoted strings, shared by the tokenizer and the lenient language
// file reader. PHP strings are byte strings; sources are read as UTF-8, and escapes that produce
// bytes (`\xC3\xA9`, `\303\251`) are decoded as UTF-8 together with the text around them.

const BACKSLASH = 0x5c
const DOLLAR = 0x24
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const SINGLE_QUOTE = 0x27
const DOUBLE_QUOTE = 0x22
const BACKTICK = 0x60

/**
 * Index just past the string literal that starts with the quote at `start` (`'`, `"` or a
 * backtick), or -1 when it is not terminated. In double-quoted and backtick strings a `{$…}` or
 * `${…}` interpolation is skipped as a whole, so quotes nested inside it do not end the string.
 */
export function scanPhpString(source: string, start: number): number {
  const quote = source.charCodeAt(start)
  if (quote === SINGLE_QUOTE) return scanSingleQuoted(source, start)
  return scanInterpolated(source, start + 1, quote)
}

function scanSingleQuoted(source: string, start: number): number {
  let from = start + 1
  for (;;) {
    const end = source.indexOf("'", from)
    if (end < 0) return -1
    // The quote is escaped when an odd run of backslashes precedes it (`\\` is an escape too).
    let backslashes = 0
    for (let i = end - 1; i > start && source.charCodeAt(i) === BACKSLASH; i--) backslashes++
    if (backslashes % 2 === 0) return end + 1
    from = end + 1
  }
}

function scanInterpolated(source: string, from: number, quote: number): number {
  const length = source.length
  let i = from
  while (i < length) {
    const c = source.charCodeAt(i)
    if (c === quote) return i + 1
    if (c === BACKSLASH) {
      i += 2
    } else if (
      (c === OPEN_BRACE && source.charCodeAt(i + 1) === DOLLAR) ||
      (c === DOLLAR && source.charCodeAt(i + 1) === OPEN_BRACE)
    ) {
      i = skipBraced(source, c === OPEN_BRACE ? i + 1 : i + 2)
      if (i < 0) return -1
    } else {
      i++
    }
  }
  return -1
}

/** Skips PHP code up to the `}` closing an interpolation; nested strings are skipped whole. */
function skipBraced(source: string, from: number): number {
  let depth = 1
  let i = from
  while (i < source.length) {
    const c = source.charCodeAt(i)
    if (c === OPEN_BRACE) depth++
    else if (c === CLOSE_BRACE && --depth === 0) return i + 1
    else if (c === SINGLE_QUOTE || c === DOUBLE_QUOTE || c === BACKTICK) {
      i = scanPhpString(source, i)
      if (i < 0) return -1
      continue
    }
    i++
  }
  return -1
}

/** The value of a single-quoted string body (without quotes): only `\\` and `\'` are escapes. */
export function decodeSingleQuoted(body: string): string {
  let backslash = body.indexOf('\\')
  if (backslash < 0) return body
  let out = ''
  let from = 0
  while (backslash >= 0) {
    const next = body.charCodeAt(backslash + 1)
    if (next === BACKSLASH || next === SINGLE_QUOTE) {
      out += body.slice(from, backslash) // drop the escaping backslash, keep the escaped character
      from = backslash + 1
      backslash = body.indexOf('\\', backslash + 2)
    } else {
      backslash = body.indexOf('\\', backslash + 1)
    }
  }
  return out + body.slice(from)
}

/** Result of decoding a double-quoted string body: the value, or why it cannot be read. */
export type DecodedString = { ok: true; value: string } | { ok: false; problem: string }

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  v: '\v',
  e: '\x1b',
  f: '\f',
  '\\': '\\',
  $: '$',
  '"': '"',
}

/**
 * The value of a double-quoted string body (without quotes), with PHP's escapes: `\n \t \r \v
 * \e \f \\ \$ \"`, octal `\0`–`\777`, hex `\xHH`, `\u{…}`; other backslashes stay literal. An
 * unescaped `$` before a name or `{` is variable interpolation, which is reported, not guessed.
 */
export function decodeDoubleQuoted(body: string): DecodedString {
  if (!body.includes('\\') && !body.includes('$')) return { ok: true, value: body }
  const out = new ByteStringBuilder()
  const length = body.length
  let i = 0
  while (i < length) {
    const c = body[i]!
    if (c === '$') {
      if (isInterpolationStart(body.charCodeAt(i + 1))) {
        return { ok: false, problem: 'a double-quoted string with variable interpolation' }
      }
      out.text('$')
      i++
      continue
    }
    if (c !== '\\' || i + 1 >= length) {
      out.text(c)
      i++
      continue
    }
    const next = body[i + 1]!
    const simple = SIMPLE_ESCAPES[next]
    if (simple !== undefined) {
      out.text(simple)
      i += 2
    } else if (next >= '0' && next <= '7') {
      let end = i + 2
      while (end < i + 4 && end < length && body[end]! >= '0' && body[end]! <= '7') end++
      out.byte(parseInt(body.slice(i + 1, end), 8) & 0xff) // "\400" wraps to "\000" as in PHP
      i = end
    } else if (next === 'x' && isHexDigit(body.charCodeAt(i + 2))) {
      const end = isHexDigit(body.charCodeAt(i + 3)) ? i + 4 : i + 3
      out.byte(parseInt(body.slice(i + 2, end), 16))
      i = end
    } else if (next === 'u' && body[i + 2] === '{') {
      const close = body.indexOf('}', i + 3)
      const hex = close < 0 ? '' : body.slice(i + 3, close)
      const codePoint = /^[0-9a-fA-F]+$/.test(hex) ? parseInt(hex, 16) : NaN
      if (!(codePoint <= 0x10ffff)) return { ok: false, problem: 'an invalid \\u{…} escape' }
      out.text(String.fromCodePoint(codePoint))
      i = close + 1
    } else {
      out.text('\\')
      i++
    }
  }
  return { ok: true, value: out.toString() }
}

function isInterpolationStart(c: number): boolean {
  return (
    c === OPEN_BRACE ||
    c === 0x5f || // _
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c >= 0x80
  )
}

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
}

/** Collects text and raw bytes; bytes of 0x80 and above are decoded as UTF-8 with the text. */
class ByteStringBuilder {
  private pending = ''
  private parts: (string | Uint8Array)[] | undefined

  text(value: string): void {
    this.pending += value
  }

  byte(value: number): void {
    if (value < 0x80) {
      this.pending += String.fromCharCode(value)
      return
    }
    this.parts ??= []
    this.parts.push(this.pending, Uint8Array.of(value))
    this.pending = ''
  }

  toString(): string {
    if (!this.parts) return this.pending
    const buffers = [...this.parts, this.pending].map((part) =>
      typeof part === 'string' ? Buffer.from(part, 'utf8') : part,
    )
    return Buffer.concat(buffers).toString('utf8')
  }
}
