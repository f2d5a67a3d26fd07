import { PhpSubsetError } from './php-subset-error.ts'
import { PhpLexer, type PhpToken } from './tokenize-php.ts'

/** The setting a statement assigns: `$variable->property['k']…`. */
export type AssignContext = { variable: string; property?: string; keys: (string | number)[] }

/**
 * Token navigation with one token of lookahead, and the error reporting of the subset parser:
 * errors name the file, the line and the setting being assigned (with the array keys entered so
 * far inside its value), never the value itself.
 */
export class PhpTokenCursor {
  private readonly lexer: PhpLexer
  private lookahead: PhpToken | undefined
  /** The current token. */
  protected token: PhpToken
  /** The setting being assigned, for messages; undefined between statements. */
  protected context: AssignContext | undefined
  /** Array keys entered inside the value being parsed. */
  protected path: (string | number)[] = []

  constructor(
    source: string,
    private readonly file: string,
    private readonly overrideHint: ((setting: string) => string | undefined) | undefined,
  ) {
    this.lexer = new PhpLexer(source)
    this.token = this.lexer.next()
  }

  /** Moves to the next token. */
  protected advance(): void {
    this.token = this.lookahead ?? this.lexer.next()
    this.lookahead = undefined
  }

  /** The token after the current one, without moving. */
  protected peek(): PhpToken {
    this.lookahead ??= this.lexer.next()
    return this.lookahead
  }

  /** Consumes `;` or `?>`. */
  protected endStatement(): void {
    const token = this.token
    if (token.kind === 'closeTag' || (token.kind === 'op' && token.op === ';')) {
      this.advance()
      return
    }
    this.syntax(token.line, `expected ; but found ${describeToken(token)}`)
  }

  /** True when the current token is this operator. */
  protected isOp(op: string): boolean {
    return this.token.kind === 'op' && this.token.op === op
  }

  /** Consumes this operator if it is the current token. */
  protected takeOp(op: string): boolean {
    if (!this.isOp(op)) return false
    this.advance()
    return true
  }

  /** Consumes this operator or throws. */
  protected expect(op: string): void {
    if (!this.takeOp(op)) this.syntax(this.token.line, `expected ${op} but found ${describeToken(this.token)}`)
  }

  /** What is being assigned, for messages: `$CFG->dboptions['dbport']` and `dboptions['dbport']`. */
  protected label(): { subject: string; setting: string } {
    const target = this.context
    if (!target) return { subject: 'this statement', setting: '' }
    const keys = [...target.keys, ...this.path].map((key) => (typeof key === 'number' ? `[${key}]` : `['${key}']`)).join('')
    const base = target.property === undefined ? target.variable : target.property
    const subject = `$${target.variable}${target.property === undefined ? '' : `->${target.property}`}${keys}`
    return { subject, setting: base + keys }
  }

  /** Throws for a construct outside the subset; `what` completes the subject, e.g. 'uses getenv()'. */
  protected unsupported(line: number, what: string): never {
    const { subject, setting } = this.label()
    const hint = setting ? this.overrideHint?.(setting) : undefined
    const advice = setting
      ? `write a literal value${hint ? ` or override it with ${hint}` : ''}`
      : 'write the settings as literal assignments instead'
    throw new PhpSubsetError(
      this.file,
      line,
      setting || undefined,
      `${subject} ${what}, which moodle-bridge cannot read without PHP; ${advice}`,
    )
  }

  /** Throws for PHP that is malformed (or not a statement at all). */
  protected syntax(line: number, detail: string): never {
    const { subject, setting } = this.label()
    throw new PhpSubsetError(this.file, line, setting || undefined, setting ? `${subject}: ${detail}` : detail)
  }
}

/** Names a token for a message without showing string or number contents (they may be secrets). */
export function describeToken(token: PhpToken): string {
  switch (token.kind) {
    case 'var': return `$${token.name}`
    case 'name': return 'a name'
    case 'string': return 'a string'
    case 'number': return 'a number'
    case 'op': return token.op
    case 'closeTag': return '?>'
    case 'unsupported': return token.what
    case 'end': return 'the end of the file'
  }
}
