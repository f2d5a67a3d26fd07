/** Finds test files (`src/**\/*.test.ts`, `test/**\/*.test.ts`); Node 20's `--test` has no globs. */
import { existsSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'

function walk(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) walk(path, out)
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

/** Repo-relative test paths, sorted; with `filters`, only those containing one of them. */
export function collectTestFiles(repoRoot, filters = []) {
  const files = ['src', 'test']
    .map((d) => join(repoRoot, d))
    .filter((d) => existsSync(d))
    .flatMap((d) => walk(d, []))
    .map((f) => relative(repoRoot, f))
    .sort()
  return filters.length === 0 ? files : files.filter((f) => filters.some((s) => f.includes(s)))
}
