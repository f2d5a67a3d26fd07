/**
 * The dependency rules of guide/architecture.md, read from the import graph of src/: surfaces
 * depend on domain modules and never the reverse, modules are entered through their index.ts, and
 * only src/moodle spells Moodle's table names (and src/demo, which generates a Moodle database of
 * its own for the embedded demo site and lives outside the adapter).
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
  cli: ['config', 'demo', 'jobs', 'moodle', 'moopanel', 'items', 'store', 'shared', 'service.ts'],
  'service.ts': ['config', 'http', 'moodle', 'moopanel', 'items', 'store', 'jobs', 'shared', 'housekeeping.ts'],
  'housekeeping.ts': ['jobs', 'store', 'moodle'],
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
  })

  it('spells Moodle table names only in src/moodle (and the demo generator, src/demo)', () => {
    const offenders = files(SRC)
      .filter((f) => moduleOf(f) !== 'moodle' && moduleOf(f) !== 'demo')
      .filter((f) => /['"`]mdl_[a-z]/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f))
    assert.deepEqual(offenders, [])
  })
})
