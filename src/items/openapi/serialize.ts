import { createHash } from 'node:crypto'
import { stringify as toYaml } from 'yaml'
import { codePointCompare } from '../messages.ts'

/** A deep copy with every object's keys in code-point order and every `required` list sorted (§16.5). */
export function sortDeep(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => sortDeep(v))
    if (key === 'required' && items.every((v) => typeof v === 'string')) return [...(items as string[])].sort(codePointCompare)
    return items
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(value).sort(codePointCompare)) out[k] = sortDeep((value as Record<string, unknown>)[k], k)
    return out
  }
  return value
}

/** The document as JSON: two-space indentation, final newline. */
export function toJsonText(doc: unknown): string {
  return `${JSON.stringify(sortDeep(doc), null, 2)}\n`
}

/** The document as YAML 1.2: block style, no anchors, no folding, final newline. */
export function toYamlText(doc: unknown): string {
  const text = toYaml(sortDeep(doc), { version: '1.2', indent: 2, lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, sortMapEntries: false })
  return text.endsWith('\n') ? text : `${text}\n`
}

/** `"sha256-<first 32 hex digits>"` of a body (§8.7). */
export function documentEtag(body: string): string {
  return `"sha256-${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`
}
