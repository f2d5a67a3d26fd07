import { CORE_FIELDS } from '../item-types/core-fields.ts'
import type { Item } from '../public-api.ts'
import type { FieldSelection } from '../query/parse-list-query.ts'

/** The item restricted to the selected fields (§9.4); `id` and `type` always, order of §7.6. */
export function projectItem(item: Item, fields: FieldSelection): Record<string, unknown> {
  if (fields.all) return item as unknown as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const f of CORE_FIELDS) if (fields.core.has(f)) out[f] = item[f]
  if (fields.metadata === 'all') out.metadata = item.metadata
  else if (fields.metadata !== 'none') {
    const m: Record<string, unknown> = {}
    for (const k of Object.keys(item.metadata)) if (fields.metadata.has(k)) m[k] = item.metadata[k]
    out.metadata = m
  }
  return out
}
