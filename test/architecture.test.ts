/**
 * The dependency rules of guide/architecture.md, read from the import graph of src/: surfaces
 * depend on domain modules and never the reverse, modules are entered through their index.ts, and
 * only src/moodle spells Moodle's table names.
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
  store: ['shared'],
  jobs: ['shared', 'store'],
  packages: ['shared'],
  moopanel: ['moodle', 'jobs', 'store', 'packages', 'shared'],
  items: ['moodle', 'store', 'shared', 'config'],
  http: ['moopanel', 'items', 'shared'],
  cli: ['config', 'moodle', 'moopanel', 'items', 'store', 'shared', 'service.ts'],
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
    // moodle/demo/index.ts is a second entry point, loaded only by the demo command (it pulls in
    // the embedded engine, which `serve` never needs).
    const entries = (to: string) => [join(SRC, to, 'index.ts'), ...(to === 'moodle' ? [join(SRC, 'moodle/demo/index.ts')] : [])]
    const broken = imports
      .filter(({ file, target }) => {
        const to = moduleOf(target)
        return moduleOf(file) !== to && to !== 'shared' && !to.endsWith('.ts') && !entries(to).includes(target)
      })
      .map(({ file, target }) => `${relative(SRC, file)} → ${relative(SRC, target)}`)
    assert.deepEqual(broken, [])
  })

  it('spells Moodle table names only in src/moodle', () => {
    const offenders = files(SRC)
      .filter((f) => moduleOf(f) !== 'moodle')
      .filter((f) => /['"`]mdl_[a-z]/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f))
    assert.deepEqual(offenders, [])
  })
})
