/**
 * Growth between two V8 heap snapshots, by node type and constructor (self sizes), largest first.
 *   node bench/heap-diff.mjs before.heapsnapshot after.heapsnapshot [rows]
 */
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

/** Self size and count per `type:name` of one snapshot. */
function totals(path) {
  const snap = JSON.parse(readFileSync(path, 'utf8'))
  const fields = snap.snapshot.meta.node_fields
  const types = snap.snapshot.meta.node_types[0]
  const width = fields.length
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f))
  const out = new Map()
  const nodes = snap.nodes
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + iType]]
    let name = snap.strings[nodes[i + iName]]
    // Strings and code are many distinct names: one row per type.
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number' || type === 'code' || type === 'hidden') name = ''
    else if (name.length > 60) name = name.slice(0, 60) + '…'
    const key = `${type}:${name}`
    const t = out.get(key) ?? [0, 0]
    t[0] += nodes[i + iSize]
    t[1] += 1
    out.set(key, t)
  }
  return out
}

/** [key, bytes, count] of the largest growths from `before` to `after`. */
export function diffSnapshots(before, after, rows = 40) {
  const a = totals(before)
  const b = totals(after)
  const diff = []
  for (const [key, [size, count]] of b) {
    const [size0, count0] = a.get(key) ?? [0, 0]
    diff.push([key, size - size0, count - count0])
  }
  return diff.sort((x, y) => y[1] - x[1]).slice(0, rows)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [before, after, rows] = process.argv.slice(2)
  for (const [key, bytes, count] of diffSnapshots(before, after, Number(rows ?? 40))) {
    console.log(`${(bytes / 1e6).toFixed(3).padStart(10)} MB  ${String(count).padStart(8)}  ${key}`)
  }
}
