/**
 * A decoder for PHP's `serialize()` format, written here on purpose: the npm packages that parse it
 * either instantiate classes, follow PHP's magic methods, ignore byte lengths, or are unmaintained,
 * and session data is attacker-adjacent input. This one builds plain data only, never runs or
 * instantiates anything, and bounds size and depth.
 *
 * Grammar (PHP 7/8 `var_unserializer.re`): `N;` `b:0;` `i:-12;` `d:0.5;` (also `INF`, `-INF`, `NAN`,
 * exponents) `s:<bytes>:"…";` `S:<bytes>:"…";` (`\xx` escapes) `a:<n>:{<key><value>…}`
 * `O:<len>:"Class":<n>:{<name><value>…}` `E:<len>:"Class:Case";` `C:<len>:"Class":<len>:{…}` (data
 * skipped by length) `r:<n>;` `R:<n>;` (back-references to the n-th value, counted from 1 in
 * pre-order over every value except `R:` and keys; `C:` payloads are not counted).
 */

export type PhpData =
  | null
  | boolean
  | number
  | bigint
  | string
  | PhpArray
  | PhpObject
  | PhpEnumCase
  | PhpCustomObject

export interface PhpArray {
  kind: 'array'
  entries: Map<string | number, PhpData>
}

/** An object of any class, as data: properties with protected/private name mangling removed. */
export interface PhpObject {
  kind: 'object'
  className: string
  properties: Map<string, PhpData>
}

export interface PhpEnumCase {
  kind: 'enum'
  className: string
  caseName: string
}

/** A `C:` entry (class with its own `Serializable` format); its payload is skipped. */
export interface PhpCustomObject {
  kind: 'custom'
  className: string
}

/** Thrown for malformed, oversized or too deeply nested input. */
export class PhpUnserializeError extends Error {
  override readonly name = 'PhpUnserializeError'
}

export const PHP_DATA_MAX_BYTES = 1024 * 1024
export const PHP_DATA_MAX_DEPTH = 64

const ch = (c: string) => c.charCodeAt(0)
const [COLON, SEMI, QUOTE, LBRACE, RBRACE] = [ch(':'), ch(';'), ch('"'), ch('{'), ch('}')]

/**
 * A cursor over serialized bytes. `values` holds every counted value for back-references; one
 * reader may decode several consecutive values that share it (a session's entries do).
 */
export class PhpReader {
  pos = 0
  private readonly values: PhpData[] = []

  constructor(readonly bytes: Uint8Array) {
    if (bytes.length > PHP_DATA_MAX_BYTES) throw new PhpUnserializeError('serialized data over 1 MiB')
  }

  get done(): boolean {
    return this.pos >= this.bytes.length
  }

  /** Decodes one value at the cursor. */
  value(depth = 1): PhpData {
    if (depth > PHP_DATA_MAX_DEPTH) throw this.fail('nested too deeply')
    const type = this.byte()
    if (type === ch('R')) {
      this.expect(COLON)
      return this.backReference(this.number(SEMI))
    }
    const slot = this.values.length
    this.values.push(null)
    const value = this.body(type, depth, slot)
    this.values[slot] = value
    return value
  }

  private body(type: number, depth: number, slot: number): PhpData {
    switch (type) {
      case ch('N'):
        this.expect(SEMI)
        return null
      case ch('b'): {
        this.expect(COLON)
        const b = this.byte()
        if (b !== ch('0') && b !== ch('1')) throw this.fail('invalid boolean')
        this.expect(SEMI)
        return b === ch('1')
      }
      case ch('i'):
        this.expect(COLON)
        return this.integer(this.until(SEMI))
      case ch('d'):
        this.expect(COLON)
        return this.float(this.until(SEMI))
      case ch('s'):
        this.expect(COLON)
        return this.string(this.number(COLON))
      case ch('S'):
        this.expect(COLON)
        return this.escapedString(this.number(COLON))
      case ch('r'):
        this.expect(COLON)
        return this.backReference(this.number(SEMI))
      case ch('a'):
        return this.array(depth, slot)
      case ch('O'):
        return this.object(depth, slot)
      case ch('E'): {
        this.expect(COLON)
        const text = this.string(this.number(COLON))
        const sep = text.indexOf(':')
        if (sep <= 0 || sep === text.length - 1) throw this.fail('invalid enum')
        return { kind: 'enum', className: text.slice(0, sep), caseName: text.slice(sep + 1) }
      }
      case ch('C'): {
        this.expect(COLON)
        const className = this.quoted(this.number(COLON))
        this.expect(COLON)
        const length = this.number(COLON)
        this.expect(LBRACE)
        this.skip(length)
        this.expect(RBRACE)
        return { kind: 'custom', className }
      }
      default:
        throw this.fail('unknown type')
    }
  }

  private array(depth: number, slot: number): PhpArray {
    this.expect(COLON)
    const count = this.number(COLON)
    this.expect(LBRACE)
    const result: PhpArray = { kind: 'array', entries: new Map() }
    this.values[slot] = result // children may refer back to it
    for (let i = 0; i < count; i++) {
      const key = this.key()
      result.entries.set(typeof key === 'string' ? arrayKey(key) : key, this.value(depth + 1))
    }
    this.expect(RBRACE)
    return result
  }

  private object(depth: number, slot: number): PhpObject {
    this.expect(COLON)
    const className = this.quoted(this.number(COLON))
    if (className === '') throw this.fail('empty class name')
    this.expect(COLON)
    const count = this.number(COLON)
    this.expect(LBRACE)
    const result: PhpObject = { kind: 'object', className, properties: new Map() }
    this.values[slot] = result
    for (let i = 0; i < count; i++) {
      const key = this.key()
      result.properties.set(propertyName(String(key)), this.value(depth + 1))
    }
    this.expect(RBRACE)
    return result
  }

  /** An array key or property name: `i:` or `s:` only, not counted for back-references. */
  private key(): string | number {
    const type = this.byte()
    this.expect(COLON)
    if (type === ch('i')) {
      const n = this.integer(this.until(SEMI))
      return typeof n === 'bigint' ? String(n) : n
    }
    if (type === ch('s')) return this.string(this.number(COLON))
    throw this.fail('invalid key')
  }

  private backReference(index: number): PhpData {
    if (index < 1 || index > this.values.length) throw this.fail('invalid back-reference')
    return this.values[index - 1]!
  }

  /** `"<bytes>";` after the length. */
  private string(length: number): string {
    const text = this.quoted(length)
    this.expect(SEMI)
    return text
  }

  /** `"<bytes>"`, exactly `length` bytes between the quotes. */
  private quoted(length: number): string {
    this.expect(QUOTE)
    const start = this.pos
    this.skip(length)
    this.expect(QUOTE)
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + start, length).toString('utf8')
  }

  private escapedString(length: number): string {
    this.expect(QUOTE)
    const out = Buffer.alloc(length)
    for (let i = 0; i < length; i++) {
      let b = this.byte()
      if (b === ch('\\')) {
        const hex = String.fromCharCode(this.byte(), this.byte())
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw this.fail('invalid escape')
        b = parseInt(hex, 16)
      }
      out[i] = b
    }
    this.expect(QUOTE)
    this.expect(SEMI)
    return out.toString('utf8')
  }

  private integer(text: string): number | bigint {
    if (!/^[+-]?[0-9]+$/.test(text)) throw this.fail('invalid integer')
    const n = Number(text)
    return Number.isSafeInteger(n) ? n : BigInt(text)
  }

  private float(text: string): number {
    if (text === 'NAN') return Number.NaN
    if (text === 'INF') return Number.POSITIVE_INFINITY
    if (text === '-INF') return Number.NEGATIVE_INFINITY
    if (!/^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(text)) throw this.fail('invalid float')
    return Number(text)
  }

  /** An unsigned decimal followed by `terminator`. */
  private number(terminator: number): number {
    const text = this.until(terminator)
    if (!/^[0-9]{1,10}$/.test(text)) throw this.fail('invalid length')
    return Number(text)
  }

  /** The bytes up to `terminator` (consumed), as ASCII; at most 400 bytes. */
  private until(terminator: number): string {
    const end = this.bytes.indexOf(terminator, this.pos)
    if (end < 0 || end - this.pos > 400) throw this.fail('unterminated value')
    const text = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.pos, end - this.pos).toString('latin1')
    this.pos = end + 1
    return text
  }

  private byte(): number {
    if (this.pos >= this.bytes.length) throw this.fail('unexpected end')
    return this.bytes[this.pos++]!
  }

  private expect(b: number): void {
    if (this.byte() !== b) throw this.fail(`expected '${String.fromCharCode(b)}'`)
  }

  private skip(length: number): void {
    if (length > this.bytes.length - this.pos) throw this.fail('unexpected end')
    this.pos += length
  }

  private fail(what: string): PhpUnserializeError {
    return new PhpUnserializeError(`${what} at byte ${this.pos}`)
  }
}

/** Decodes exactly one serialized value (trailing bytes are an error). */
export function phpUnserialize(input: Uint8Array | string): PhpData {
  const reader = new PhpReader(typeof input === 'string' ? Buffer.from(input, 'utf8') : input)
  const value = reader.value()
  if (!reader.done) throw new PhpUnserializeError('trailing data')
  return value
}

/** Protected (`\0*\0name`) and private (`\0Class\0name`) property names → `name`. */
function propertyName(name: string): string {
  if (name.charCodeAt(0) !== 0) return name
  const second = name.indexOf('\u0000', 1)
  return second < 0 ? name : name.slice(second + 1)
}

/** PHP stores decimal-integer string keys as integers. */
function arrayKey(key: string): string | number {
  if (/^(0|-?[1-9][0-9]*)$/.test(key)) {
    const n = Number(key)
    if (Number.isSafeInteger(n)) return n
  }
  return key
}
