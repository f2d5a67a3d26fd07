/**
 * The error catalogue (src/shared/error-catalogue.ts, issue #9 point 3): every code is documented in
 * docs/errors.md with its status and message per surface, and the code raises errors only by code
 * (no literal status for the management API, no AppError outside the catalogue).
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { ERROR_CATALOGUE, ERROR_CODES, formatMessage, itemsCodeOfReason, packageCodeOf, type CatalogueEntry } from '../src/shared/error-catalogue.ts'
import { AppError } from '../src/shared/errors.ts'
import { BadRequestError, ConflictError, Errors, ItemsApiError, NotFoundError, violationError } from '../src/items/errors.ts'
import { violation } from '../src/items/messages.ts'
import { errorReply } from '../src/moopanel/context.ts'
import { ROUTES } from '../src/moopanel/route-table.ts'
import { checkRequest } from '../src/moopanel/error-mapper.ts'

const ROOT = resolve(import.meta.dirname, '..')
const DOC = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : []
  })
}

const SOURCES = sourceFiles(join(ROOT, 'src')).map((path) => ({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') }))

describe('error catalogue', () => {
  it('has stable MB_ codes, each used on at least one surface, with unique wire texts per surface', () => {
    const moopanelMessages = new Map<string, string>()
    for (const code of ERROR_CODES) {
      assert.match(code, /^MB_[A-Z0-9]+(_[A-Z0-9]+)*$/)
      const entry: CatalogueEntry = ERROR_CATALOGUE[code]
      assert.ok(entry.moopanel || entry.items || entry.packages, `${code} has no surface`)
      assert.ok(entry.when.length > 0, `${code} says when it happens`)
      if (entry.moopanel) {
        const earlier = moopanelMessages.get(entry.moopanel.message)
        assert.equal(earlier, undefined, `${code} and ${earlier} share the message ${entry.moopanel.message}`)
        moopanelMessages.set(entry.moopanel.message, code)
      }
      if (entry.packages) assert.equal(packageCodeOf(entry.packages.code), code)
    }
  })

  it('documents every code in docs/errors.md, with its status and message per surface', () => {
    const lines = DOC.split('\n')
    for (const code of ERROR_CODES) {
      const entry: CatalogueEntry = ERROR_CATALOGUE[code]
      const rows = lines.filter((line) => line.startsWith(`| \`${code}\` |`))
      assert.ok(rows.length > 0, `${code} is not in docs/errors.md`)
      const surfaces: Array<[string, string | number, string]> = []
      if (entry.moopanel) surfaces.push(['management API', entry.moopanel.status, entry.moopanel.message])
      if (entry.items) surfaces.push([`Items API (\`${entry.items.reason}\`)`, entry.items.status === 'given' ? 'as given' : entry.items.status, entry.items.message])
      if (entry.packages) surfaces.push([`packages (\`${entry.packages.code}\``, '—', entry.packages.message])
      for (const [surface, status, message] of surfaces) {
        const row = rows.find((line) => line.includes(`| ${surface}`))
        assert.ok(row, `docs/errors.md has no ${surface} row for ${code}`)
        assert.ok(row.includes(`| ${status} |`), `docs/errors.md: ${code} ${surface} status ${status}`)
        assert.ok(row.includes(`\`${message.replace(/\|/g, '\\|')}\``), `docs/errors.md: ${code} ${surface} message ${message}`)
      }
    }
  })

  it('is linked from the README', () => {
    assert.match(readFileSync(join(ROOT, 'README.md'), 'utf8'), /\(docs\/errors\.md\)/)
  })

  it('leaves no literal status in the management API and no AppError outside the catalogue (source scan)', () => {
    const problems: string[] = []
    for (const { path, text } of SOURCES) {
      for (const m of text.matchAll(/errorReply\(\s*\d/g)) problems.push(`${path}: ${m[0]}`)
      for (const m of text.matchAll(/new AppError\(\s*([^,)\s]*)/g)) {
        const code = /^'([A-Z0-9_]+)'$/.exec(m[1] ?? '')?.[1]
        if (code === undefined || !Object.hasOwn(ERROR_CATALOGUE, code) || !(ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE] as CatalogueEntry).packages) {
          problems.push(`${path}: new AppError(${m[1]}`)
        }
      }
      for (const m of text.matchAll(/fails\(\s*\d/g)) problems.push(`${path}: ${m[0]}`)
    }
    assert.deepEqual(problems, [])
  })

  it('gives every request check of the route table a catalogue message', () => {
    for (const route of ROUTES) {
      for (const field of [...(route.query ?? []), ...(route.body ?? [])]) {
        if (!field.check) continue
        const code = (field.check as { code?: string }).code
        const messages = ERROR_CODES.flatMap((c) => {
          const wire = (ERROR_CATALOGUE[c] as CatalogueEntry).moopanel
          return wire ? [wire.message] : []
        })
        assert.ok(code !== undefined || messages.includes(field.check.message), `${route.method} /${route.endpoint} ${field.name}: ${field.check.message}`)
      }
      for (const [status, message] of route.errors ?? []) {
        const found = ERROR_CODES.some((c) => {
          const wire = (ERROR_CATALOGUE[c] as CatalogueEntry).moopanel
          return wire?.status === status && wire.message === message
        })
        assert.ok(found, `${route.method} /${route.endpoint}: ${status} ${message} is not in the catalogue`)
      }
    }
  })
})

describe('errors carry their code', () => {
  it('management API: errorReply reads status and message from the catalogue; checks answer with their code', () => {
    assert.deepEqual(errorReply('MB_USERS_INVALID_SORT'), { status: 400, body: { error: 'Invalid sort.' }, errorCode: 'MB_USERS_INVALID_SORT' })
    assert.deepEqual(errorReply('MB_INVALID_FIELD', { path: 'updates.0.model_id' }).body, { error: "Bad Request - Invalid field 'updates.0.model_id'." })
    const route = ROUTES.find((r) => r.endpoint === 'tasks')!
    const refused = checkRequest(route, new Map([['type', 'x']]), {})
    assert.deepEqual(refused, { status: 400, body: { error: 'No task id specified.' }, errorCode: 'MB_TASK_ID_MISSING' })
  })

  it('AppError: built from a code (kind, domain code, message with parameters); the subclass form needs a catalogue domain code', () => {
    const error = new AppError('MB_ZIP_SYMLINK', { path: '"a/b"' })
    assert.equal(error.errorCode, 'MB_ZIP_SYMLINK')
    assert.equal(error.code, 'zip_symlink')
    assert.equal(error.kind, 'invalid_input')
    assert.equal(error.message, 'Invalid zip file: symbolic link "a/b".')
    const cause = new Error('x')
    assert.equal(new AppError('MB_DOWNLOAD_FAILED', { detail: 'timed out' }, { cause }).cause, cause)
    assert.equal(new AppError('invalid_input', 'package_incompatible', 'Plugin is incompatible with this Moodle version.').errorCode, 'MB_PACKAGE_INCOMPATIBLE')
    assert.throws(() => new AppError('invalid_input', 'no_such_code', 'x'), TypeError)
  })

  it('ItemsApiError: the fixed errors, the subclasses and an extension\'s own reason', () => {
    const all = Object.entries(Errors).map(([name, make]) => [name, (make as (...a: unknown[]) => ItemsApiError)(...(name === 'refused' ? [401, 'invalid_credentials'] : ['x']))] as const)
    for (const [name, error] of all) {
      const wire = (ERROR_CATALOGUE[error.errorCode] as CatalogueEntry).items
      assert.ok(wire, `Errors.${name}: ${error.errorCode} has no Items entry`)
      assert.equal(error.reason, name === 'unauthenticated' ? 'x' : wire.reason, `Errors.${name} reason`)
      if (wire.status !== 'given') assert.equal(error.status, wire.status, `Errors.${name} status`)
    }
    assert.equal(Errors.missingCapability('local/x:view').message, formatMessage('Missing capability: <capability>', { capability: 'local/x:view' }))
    assert.equal(new BadRequestError('bad').errorCode, 'MB_BAD_REQUEST')
    assert.equal(new NotFoundError().errorCode, 'MB_ITEM_NOT_FOUND')
    assert.equal(new ConflictError('taken').errorCode, 'MB_CONFLICT')
    assert.equal(new ItemsApiError(418, 'my_extension_reason', 'No.').errorCode, 'MB_EXTENSION_ERROR')
    assert.equal(violationError(422, [violation('guid', 'unique')]).errorCode, 'MB_VALIDATION_FAILED')
    assert.equal(violationError(400, [violation('page', 'integer')]).errorCode, 'MB_INVALID_PARAMETERS')
    assert.equal(itemsCodeOfReason('payload_too_large'), 'MB_BODY_TOO_LARGE')
  })
})
