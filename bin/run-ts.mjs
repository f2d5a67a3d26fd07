#!/usr/bin/env node
// Runs a TypeScript entry point with tsx, resolved from this checkout (not from the caller's cwd).
import { register } from 'tsx/esm/api'
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'

register()
const [entry] = process.argv.splice(2, 1)
if (!entry) {
  console.error('usage: run-ts.mjs <file.ts> [args...]')
  process.exit(2)
}
await import(pathToFileURL(resolve(entry)).href)
