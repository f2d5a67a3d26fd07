// Recursive-descent parser for the literal subset of PHP in Moodle's config.php and version.php
// files (docs: shared spec §1.4). Hand-written on purpose: the files must be read without running
// PHP, and no library parses exactly "literals and nothing else" (why not php-parser: the note at
// the top of tokenize-php.ts). Everything else is refused with a PhpSubsetError naming the line and
// the setting, never guessed.

import { type PhpArray, type PhpValue, phpArrayKey } from './php-value.ts'
import { describeToken, PhpTokenCursor } from './php-token-cursor.ts'
import type { PhpToken } from './tokenize-php.ts'

/** The left side of an assignment: `$variable->property['k1'][0] = …` (property and keys optional). */
export type PhpAssignTarget = {
  variable: string
  property?: string
  keys: (string | number)[]
}

/** One statement of the subset. The parser stops after a `boot` statement. */
export type PhpStatement =
  /** `numberText` is the literal text when the value is a number literal (`2024100706.00`, `-1`). */
  | { kind: 'assign'; line: number; target: PhpAssignTarget; value: PhpValue; numberText?: string }
  /** `$x = new stdClass();` (the only class allowed). */
  | { kind: 'new'; line: number; variable: string }
  | { kind: 'unset'; line: number; variables: string[] }
  | { kind: 'global'; line: number; variables: string[] }
  /** `defined('MOODLE_INTERNAL') || die();` and its `or` / `exit` / `die('…')` variants. */
  | { kind: 'guard'; line: number }
  /** `require_once(__DIR__ . '/lib/setup.php');` and the other include forms of it. */
  | { kind: 'boot'; line: number }

/** How to parse one file. */
export type PhpSubsetOptions = {
  /** Named in error messages. */
  file: string
  /** Constants a value may use (case-sensitive, e.g. MATURITY_STABLE); any other constant is refused. */
  constants?: ReadonlyMap<string, PhpValue>
  /** Accept the MOODLE_INTERNAL guard statement (version.php). */
  allowGuard?: boolean
  /** Accept the `lib/setup.php` include and stop there (config.php). */
  allowBoot?: boolean
  /** Extra advice for a setting that cannot be read, e.g. `--db-pass / MOODLE_BRIDGE_DB_PASS`. */
  overrideHint?: (setting: string) => string | undefined
}

/** Parses a whole file into statements, or throws PhpSubsetError at the first thing outside the subset. */
export function parsePhpSubset(source: string, options: PhpSubsetOptions): PhpStatement[] {
  return new SubsetParser(source, options).parseFile()
}

const SUPERGLOBALS = new Set(['_SERVER', '_ENV', '_GET', '_POST', '_COOKIE', '_REQUEST', '_FILES', '_SESSION', 'GLOBALS'])
const MAGIC_CONSTANTS = new Set(['__dir__', '__file__', '__line__', '__class__', '__function__', '__method__', '__namespace__', '__trait__'])
const CASTS = new Set(['int', 'integer', 'bool', 'boolean', 'float', 'double', 'real', 'string', 'array', 'object', 'unset', 'binary'])
const KEYWORDS = new Set(['if', 'else', 'elseif', 'while', 'do', 'for', 'foreach', 'switch', 'match', 'function', 'fn', 'class', 'return', 'echo', 'print', 'namespace', 'use', 'try', 'throw', 'goto', 'declare', 'const'])
const INCLUDES = new Set(['require', 'require_once', 'include', 'include_once'])
/** Settings whose constant names are not echoed in messages (a bare word could be the secret). */
const SECRET_SETTING = /pass|secret|token|salt|auth|key/i
const MAX_ARRAY_DEPTH = 64

type ParsedValue = { value: PhpValue; numberText?: string; float?: boolean }

class SubsetParser extends PhpTokenCursor {
  constructor(source: string, private readonly options: PhpSubsetOptions) {
    super(source, options.file, options.overrideHint)
  }

  parseFile(): PhpStatement[] {
    const statements: PhpStatement[] = []
    for (;;) {
      const token = this.token
      if (token.kind === 'end') return statements
      if (token.kind === 'closeTag' || (token.kind === 'op' && token.op === ';')) {
        this.advance()
        continue
      }
      const statement = this.statement()
      statements.push(statement)
      if (statement.kind === 'boot') return statements
    }
  }

  private statement(): PhpStatement {
    const token = this.token
    this.context = undefined
    this.path = []
    if (token.kind === 'var') return this.assignment(token.name, token.line)
    if (token.kind === 'name') {
      const keyword = token.name.toLowerCase()
      if (keyword === 'unset') return this.unsetStatement(token.line)
      if (keyword === 'global') return this.globalStatement(token.line)
      if (INCLUDES.has(keyword)) return this.includeStatement(token.line)
      if (keyword === 'defined') return this.guardStatement(token.line)
      if (KEYWORDS.has(keyword)) return this.unsupported(token.line, `uses \`${keyword}\``)
      this.advance()
      if (this.isOp('(')) return this.unsupported(token.line, `calls ${token.name}()`)
      return this.unsupported(token.line, `is not a supported statement (${token.name})`)
    }
    if (token.kind === 'unsupported') return this.unsupported(token.line, `uses ${token.what}`)
    return this.syntax(token.line, `expected a statement but found ${describeToken(token)}`)
  }

  private assignment(variable: string, line: number): PhpStatement {
    this.advance()
    const target: PhpAssignTarget = { variable, keys: [] }
    this.context = target
    if (this.isOp('->')) {
      this.advance()
      const name = this.token
      if (name.kind !== 'name') return this.unsupported(name.line, 'uses a dynamic property name')
      target.property = name.name
      this.advance()
      if (this.isOp('->')) return this.unsupported(this.token.line, 'sets a property of a nested object')
    }
    while (this.isOp('[')) {
      this.advance()
      if (this.isOp(']')) return this.unsupported(this.token.line, 'appends with []')
      const keyLine = this.token.line
      const key = phpArrayKey(this.value(0).value)
      if (key === undefined) return this.unsupported(keyLine, 'uses an array as an array key')
      this.expect(']')
      target.keys.push(key)
    }
    const operator = this.token
    if (operator.kind !== 'op' || operator.op !== '=') {
      if (operator.kind === 'op' && operator.op.length > 1 && operator.op.endsWith('=')) {
        return this.unsupported(operator.line, `uses the operator ${operator.op}`)
      }
      if (operator.kind === 'op' && (operator.op === '++' || operator.op === '--')) {
        return this.unsupported(operator.line, `uses the operator ${operator.op}`)
      }
      return this.syntax(operator.line, `expected = but found ${describeToken(operator)}`)
    }
    this.advance()
    const next = this.token
    if (next.kind === 'name' && next.name.toLowerCase() === 'new') {
      if (target.property !== undefined || target.keys.length > 0) {
        return this.unsupported(next.line, 'creates an object (new)')
      }
      return this.newObject(variable, line)
    }
    const parsed = this.value(0)
    this.endStatement()
    const statement: PhpStatement = { kind: 'assign', line, target, value: parsed.value }
    if (parsed.numberText !== undefined) statement.numberText = parsed.numberText
    return statement
  }

  private newObject(variable: string, line: number): PhpStatement {
    this.advance()
    const className = this.token
    if (className.kind !== 'name') return this.unsupported(className.line, 'creates an object (new)')
    if (className.name.replace(/^\\/, '').toLowerCase() !== 'stdclass') {
      return this.unsupported(className.line, `creates an object of class ${className.name}`)
    }
    this.advance()
    if (this.isOp('(')) {
      this.advance()
      this.expect(')')
    }
    this.endStatement()
    return { kind: 'new', line, variable }
  }

  private unsetStatement(line: number): PhpStatement {
    this.advance()
    this.expect('(')
    const variables = this.variableList(')')
    this.expect(')')
    this.endStatement()
    return { kind: 'unset', line, variables }
  }

  private globalStatement(line: number): PhpStatement {
    this.advance()
    const variables = this.variableList(undefined)
    this.endStatement()
    return { kind: 'global', line, variables }
  }

  /** `$a, $b` (with a trailing comma allowed before `closer` when given). */
  private variableList(closer: string | undefined): string[] {
    const variables: string[] = []
    for (;;) {
      const token = this.token
      if (token.kind !== 'var') return this.unsupported(token.line, 'uses something other than plain variables here')
      variables.push(token.name)
      this.advance()
      if (!this.isOp(',')) return variables
      this.advance()
      if (closer !== undefined && this.isOp(closer)) return variables
    }
  }

  private includeStatement(line: number): PhpStatement {
    this.advance()
    const path = this.includePath()
    const normalized = path?.replaceAll('\\', '/')
    const boots = normalized !== undefined && (normalized.endsWith('/lib/setup.php') || normalized === 'lib/setup.php')
    if (!boots) return this.unsupported(line, 'includes another file')
    if (!this.options.allowBoot) return this.unsupported(line, 'includes lib/setup.php')
    // Everything after this line runs once Moodle has booted: it is not configuration.
    return { kind: 'boot', line }
  }

  /** The included path with `__DIR__`, `__FILE__`, `dirname(…)` as placeholders (DIRECTORY_SEPARATOR as /), or undefined. */
  private includePath(): string | undefined {
    let path = this.includeOperand()
    while (path !== undefined && this.isOp('.')) {
      this.advance()
      const more = this.includeOperand()
      path = more === undefined ? undefined : path + more
    }
    return path
  }

  private includeOperand(): string | undefined {
    const token = this.token
    if (token.kind === 'string') {
      this.advance()
      return token.value
    }
    if (token.kind === 'op' && token.op === '(') {
      this.advance()
      const inner = this.includePath()
      if (!this.isOp(')')) return undefined
      this.advance()
      return inner
    }
    if (token.kind !== 'name') return undefined
    const name = token.name.toLowerCase()
    this.advance()
    if (name === '__dir__' || name === '__file__') return '\0dir'
    if (name === 'directory_separator') return '/'
    if (name !== 'dirname' || !this.isOp('(')) return undefined
    this.advance()
    if (this.includePath() === undefined) return undefined
    if (this.isOp(',')) {
      this.advance()
      if (this.token.kind !== 'number') return undefined
      this.advance()
    }
    if (!this.isOp(')')) return undefined
    this.advance()
    return '\0dir'
  }

  private guardStatement(line: number): PhpStatement {
    if (!this.options.allowGuard || !this.guardShape()) return this.unsupported(line, 'uses defined()')
    return { kind: 'guard', line }
  }

  /** `defined('MOODLE_INTERNAL') || die();` with `or`, `exit`, `die`, `die()` or `die('…')`. */
  private guardShape(): boolean {
    this.advance()
    if (!this.takeOp('(')) return false
    const constant = this.token
    if (constant.kind !== 'string' || constant.value !== 'MOODLE_INTERNAL') return false
    this.advance()
    if (!this.takeOp(')')) return false
    const or = this.token
    if (!(or.kind === 'op' && or.op === '||') && !(or.kind === 'name' && or.name.toLowerCase() === 'or')) return false
    this.advance()
    const stop = this.token
    if (stop.kind !== 'name' || !['die', 'exit'].includes(stop.name.toLowerCase())) return false
    this.advance()
    if (this.takeOp('(')) {
      if (this.token.kind === 'string') this.advance()
      if (!this.takeOp(')')) return false
    }
    const end = this.token
    if (end.kind === 'closeTag' || end.kind === 'end') return true
    return this.takeOp(';')
  }

  /** A literal value; `depth` counts enclosing arrays. */
  private value(depth: number): ParsedValue {
    const token = this.token
    switch (token.kind) {
      case 'string':
        this.advance()
        return this.checkAfterValue({ value: token.value })
      case 'number':
        this.advance()
        return this.checkAfterValue({ value: token.value, numberText: token.raw, float: token.float })
      case 'name':
        return this.checkAfterValue(this.nameValue(token, depth))
      case 'var':
        if (SUPERGLOBALS.has(token.name)) return this.unsupported(token.line, `uses $${token.name}`)
        return this.unsupported(token.line, `uses the variable $${token.name}`)
      case 'unsupported':
        return this.unsupported(token.line, `uses ${token.what}`)
      case 'op':
        return this.checkAfterValue(this.operatorValue(token, depth))
      default:
        return this.syntax(token.line, `expected a value but found ${describeToken(token)}`)
    }
  }

  private nameValue(token: PhpToken & { kind: 'name' }, depth: number): ParsedValue {
    const bare = token.name.replace(/^\\/, '')
    const lower = bare.toLowerCase()
    if (lower === 'true' || lower === 'false' || lower === 'null') {
      this.advance()
      return { value: lower === 'null' ? null : lower === 'true' }
    }
    if (lower === 'array') {
      this.advance()
      if (!this.isOp('(')) return this.syntax(token.line, 'expected ( after array')
      return { value: this.array(')', depth) }
    }
    if (lower === 'new') return this.unsupported(token.line, 'creates an object (new)')
    if (lower === 'function' || lower === 'fn') return this.unsupported(token.line, 'uses a closure')
    if (MAGIC_CONSTANTS.has(lower)) return this.unsupported(token.line, `uses ${bare.toUpperCase()}`)
    this.advance()
    if (this.isOp('(')) return this.unsupported(token.line, `uses ${token.name}()`)
    if (this.isOp('::')) return this.unsupported(token.line, 'uses a class constant')
    const constant = this.options.constants?.get(bare)
    if (constant !== undefined) return { value: constant }
    const shown = SECRET_SETTING.test(this.label().setting) ? 'a constant' : `the constant ${token.name}`
    return this.unsupported(token.line, `uses ${shown}`)
  }

  private operatorValue(token: PhpToken & { kind: 'op' }, depth: number): ParsedValue {
    switch (token.op) {
      case '[':
        return { value: this.array(']', depth) }
      case '-':
      case '+': {
        this.advance()
        const operand = this.unaryOperand(depth)
        if (typeof operand.value !== 'number' && typeof operand.value !== 'bigint') {
          return this.unsupported(token.line, 'uses arithmetic')
        }
        const numberText = operand.numberText === undefined ? undefined : token.op + operand.numberText
        if (token.op === '+') return { ...operand, numberText }
        // -0 is the int 0; only the float -0.0 keeps its sign.
        const negated = typeof operand.value === 'bigint' ? -operand.value : operand.float ? -operand.value : 0 - operand.value
        return { value: negated, numberText, float: operand.float }
      }
      case '(': {
        this.advance()
        const cast = this.token
        const after = this.peek()
        if (cast.kind === 'name' && CASTS.has(cast.name.toLowerCase()) && after.kind === 'op' && after.op === ')') {
          return this.unsupported(token.line, 'uses a type cast')
        }
        this.value(depth) // reports what is inside first: `(E_ALL | E_STRICT)` names E_ALL
        return this.unsupported(token.line, 'uses parentheses')
      }
      case '&':
        return this.unsupported(token.line, 'uses a reference (&)')
      case '...':
        return this.unsupported(token.line, 'uses spread (...)')
      case '@':
        return this.unsupported(token.line, 'uses the operator @')
      case '!':
      case '~':
        return this.unsupported(token.line, `uses the operator ${token.op}`)
      default:
        return this.syntax(token.line, `expected a value but found ${describeToken(token)}`)
    }
  }

  /** The operand of unary minus/plus: a number or another sign; checked by the caller. */
  private unaryOperand(depth: number): ParsedValue {
    const token = this.token
    if (token.kind === 'number') {
      this.advance()
      return { value: token.value, numberText: token.raw, float: token.float }
    }
    if (token.kind === 'op' && (token.op === '-' || token.op === '+')) {
      return { ...this.operatorValue(token, depth), numberText: undefined }
    }
    const operand = this.value(depth)
    return typeof operand.value === 'number' || typeof operand.value === 'bigint'
      ? { value: operand.value } // a constant: valid, but not literal text
      : operand
  }

  /** Refuses operators after a complete value; the caller checks for its own terminator. */
  private checkAfterValue(parsed: ParsedValue): ParsedValue {
    const token = this.token
    if (token.kind !== 'op') return parsed
    switch (token.op) {
      case ';': case ',': case ']': case ')': case '=>':
        return parsed
      case '.':
        return this.unsupported(token.line, 'uses concatenation (.)')
      case '?':
        return this.unsupported(token.line, 'uses a ternary (?:)')
      case '[': case '{':
        return this.unsupported(token.line, 'uses array access')
      case '->': case '?->': case '::':
        return this.unsupported(token.line, 'uses object access')
      case '(':
        return this.unsupported(token.line, 'calls a function')
      default:
        return this.unsupported(token.line, `uses the operator ${token.op}`)
    }
  }

  /** `[ … ]` or `array( … )`, the current token being the opener. PHP's auto-index rules (8.3+). */
  private array(closer: ']' | ')', depth: number): PhpArray {
    const opener = this.token
    if (depth >= MAX_ARRAY_DEPTH) return this.syntax(opener.line, 'arrays are nested too deeply')
    this.advance()
    const array: PhpArray = new Map()
    let nextIndex: number | undefined
    while (!this.isOp(closer)) {
      if (this.isOp(',')) return this.syntax(this.token.line, 'expected an array entry but found ,')
      const autoKey = nextIndex ?? 0
      this.path.push(autoKey)
      const first = this.value(depth + 1)
      this.path.pop()
      let key: string | number = autoKey
      let entry = first.value
      if (this.isOp('=>')) {
        const arrow = this.token
        this.advance()
        const explicit = phpArrayKey(first.value)
        if (explicit === undefined) return this.unsupported(arrow.line, 'uses an array as an array key')
        key = explicit
        this.path.push(key)
        entry = this.value(depth + 1).value
        this.path.pop()
      }
      array.set(key, entry)
      if (typeof key === 'number' && (nextIndex === undefined || key >= nextIndex)) nextIndex = key + 1
      if (this.isOp(',')) this.advance()
      else if (!this.isOp(closer)) return this.syntax(this.token.line, `expected , or ${closer} but found ${describeToken(this.token)}`)
    }
    this.advance()
    return array
  }
}
