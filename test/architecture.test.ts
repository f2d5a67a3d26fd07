/**
 * The dependency rules of guide/architecture.md, read from the import graph of src/: surfaces
 * depend on domain modules and never the reverse, modules are entered through their index.ts,
 * no import cycle anywhere, only src/moodle spells Moodle's table names (and src/demo, which
 * generates a Moodle database of its own for the embedded demo site and lives outside the
 * adapter), only src/jobs names the queue's tables, and the items API takes its settings as
 * arguments rather than the whole `Config`.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, it } from 'node:test'

const SRC = resolve(import.meta.dirname, '..', 'src')

/** Which top-level modules each module may import (besides itself). */
const ALLOWED: Record<string, string[]> = {
  shared: [],
  config: ['shared'],
  moodle: ['shared'],
  demo: ['moodle', 'shared'],
  store: ['shared'],
  jobs: ['shared', 'store'],
  packages: ['shared'],
  moopanel: ['moodle', 'jobs', 'store', 'packages', 'shared'],
  items: ['moodle', 'store', 'shared', 'config'],
  http: ['moopanel', 'items', 'shared'],
  cli: ['config', 'demo', 'jobs', 'moodle', 'moopanel', 'items', 'store', 'shared', 'sites', 'service.ts', 'multi-site.ts'],
  'service.ts': ['config', 'http', 'moodle', 'moopanel', 'items', 'store', 'jobs', 'shared', 'housekeeping.ts'],
  'housekeeping.ts': ['jobs', 'store', 'moodle'],
  sites: ['config', 'shared'],
  // The many-sites composition root, like service.ts for one site: the shared store, the worker, the ops listener.
  'multi-site.ts': ['config', 'jobs', 'service.ts', 'shared', 'sites', 'http', 'moodle', 'store', 'moopanel', 'items'],
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : []
  })
}

const moduleOf = (file: string) => relative(SRC, file).split('/')[0]!

const imports = files(SRC).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from\s+'(\.[^']+)'/gm)].map((m) => ({
    file,
    target: resolve(dirname(file), m[1]!),
  })),
)

/** The source text without its comments (roughly: block comments, and line comments not after a `:` as in URLs). */
const code = (file: string) => readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"\\])\/\/.*$/gm, '$1')

/** Every relative import of a source file, type-only and side-effect imports included. */
const graphImports = files(SRC).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)(?:[^'";]*?\sfrom)?\s*'(\.[^']+)'/gm)].map((m) => ({
    file,
    target: resolve(dirname(file), m[1]!),
  })),
)

/** The strongly connected components of more than one file (or a file importing itself): Tarjan's algorithm. */
function importCycles(edges: ReadonlyArray<{ file: string; target: string }>): string[][] {
  const next = new Map<string, string[]>()
  for (const { file, target } of edges) next.set(file, [...(next.get(file) ?? []), target])
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const cycles: string[][] = []
  let counter = 0
  const visit = (node: string) => {
    index.set(node, counter)
    low.set(node, counter++)
    stack.push(node)
    onStack.add(node)
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to)
        low.set(node, Math.min(low.get(node)!, low.get(to)!))
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!))
    }
    if (low.get(node) !== index.get(node)) return
    const component: string[] = []
    let member: string
    do {
      member = stack.pop()!
      onStack.delete(member)
      component.push(member)
    } while (member !== node)
    if (component.length > 1 || (next.get(node) ?? []).includes(node)) cycles.push(component.map((f) => relative(SRC, f)).sort())
  }
  for (const node of next.keys()) if (!index.has(node)) visit(node)
  return cycles
}

describe('architecture', () => {
  it('follows the dependency rules between modules', () => {
    const broken = imports
      .filter(({ file, target }) => {
        const from = moduleOf(file)
        const to = moduleOf(target)
        return from !== to && !(ALLOWED[from] ?? []).includes(to)
      })
      .map(({ file, target }) => `${relative(SRC, file)} → ${relative(SRC, target)}`)
    assert.deepEqual(broken, [])
  })

  it('enters other modules only through their index.ts (shared holds leaf files)', () => {
    const entries = (to: string) => [join(SRC, to, 'index.ts')]
    const broken = imports
      .filter(({ file, target }) => {
        const to = moduleOf(target)
        return moduleOf(file) !== to && to !== 'shared' && !to.endsWith('.ts') && !entries(to).includes(target)
      })
      .map(({ file, target }) => `${relative(SRC, file)} → ${relative(SRC, target)}`)
    assert.deepEqual(broken, [])
  })

  it('keeps the demo generator out of the Moodle adapter', () => {
    const demoInAdapter = files(join(SRC, 'moodle')).filter((f) => /(^|\/)demo(\/|[-.])/.test(relative(SRC, f)))
    assert.deepEqual(demoInAdapter.map((f) => relative(SRC, f)), [])
    const adapterImportsDemo = imports.filter(({ file, target }) => moduleOf(file) === 'moodle' && moduleOf(target) === 'demo')
    assert.deepEqual(adapterImportsDemo.map(({ file }) => relative(SRC, file)), [])
    // The generator's code moved in under another name still speaks of the demo (DemoContext, demo users…).
    const speaksDemo = files(join(SRC, 'moodle')).filter((f) => /demo/i.test(code(f)))
    assert.deepEqual(speaksDemo.map((f) => relative(SRC, f)), [])
  })

  it('spells Moodle table names only in src/moodle (and the demo generator, src/demo)', () => {
    const offenders = files(SRC)
      .filter((f) => moduleOf(f) !== 'moodle' && moduleOf(f) !== 'demo')
      .filter((f) => /['"`]mdl_[a-z]/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f))
    assert.deepEqual(offenders, [])
  })

  it('has no import cycle between modules (type-only imports included)', () => {
    const across = importCycles(graphImports).filter((cycle) => new Set(cycle.map((f) => f.split('/')[0])).size > 1)
    assert.deepEqual(across, [])
  })

  for (const module of [...new Set(files(SRC).map(moduleOf))].filter((m) => !m.endsWith('.ts')).sort()) {
    it(`has no import cycle inside src/${module}`, () => {
      const inside = graphImports.filter(({ file, target }) => moduleOf(file) === module && moduleOf(target) === module)
      assert.deepEqual(importCycles(inside), [])
    })
  }

  it('finds an import cycle when there is one (the check itself works)', () => {
    const a = join(SRC, 'a.ts')
    const b = join(SRC, 'b.ts')
    const c = join(SRC, 'c.ts')
    assert.deepEqual(importCycles([{ file: a, target: b }, { file: b, target: c }, { file: c, target: a }, { file: c, target: join(SRC, 'd.ts') }]), [['a.ts', 'b.ts', 'c.ts']])
    assert.deepEqual(importCycles([{ file: a, target: b }, { file: b, target: c }]), [])
  })

  it('names the queue tables only in src/jobs, which owns them (types, migration and queries)', () => {
    // A quoted table name (a Kysely query) or a table type's key, anywhere in the file.
    const queueTable = /['"]store_(?:jobs|locks|idempotency)['"]|^\s*store_(?:jobs|locks|idempotency)\s*:/m
    // Outside comments (they may name a table in backquotes): an aliased or column form (`'store_jobs as j'`,
    // `'store_jobs.id'`), a template literal, or a prefixed name in raw SQL (`${prefix}jobs`).
    const queueTableInCode = /['"`]store_(?:jobs|locks|idempotency)(?:\s+as\s+\w+)?['"`.]|\$\{[^}]+\}(?:jobs|locks|idempotency)\b/
    const offenders = files(SRC)
      .filter((f) => moduleOf(f) !== 'jobs')
      .filter((f) => queueTable.test(readFileSync(f, 'utf8')) || queueTableInCode.test(code(f)))
      .map((f) => relative(SRC, f))
    assert.deepEqual(offenders, [])
  })

  it('keeps the items API off the whole Config type (it receives its own settings: ItemsConfig)', () => {
    const offenders = files(join(SRC, 'items')).filter((f) =>
      [...readFileSync(f, 'utf8').matchAll(/^import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'(\.[^']+)'/gm)].some(
        (m) => moduleOf(resolve(dirname(f), m[2]!)) === 'config' && /(?:^|[\s,])(?:type\s+)?Config(?:[\s,]|$)/.test(m[1]!),
      ),
    )
    assert.deepEqual(offenders.map((f) => relative(SRC, f)), [])
  })
})
