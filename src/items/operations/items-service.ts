import { Errors, violationError } from '../errors.ts'
import { violation, type Violation } from '../messages.ts'
import type { ItemsService } from '../public-api.ts'
import { parseFields, parseFilters, parseSort } from '../query/parse-list-query.ts'
import { projectItem } from '../routes/project-item.ts'
import type { Caller, ItemsCore } from './items-core.ts'
import { getItem, listItems } from './read-items.ts'
import { createItem, deleteItem, updateItem } from './write-items.ts'

/** The item operations for extension handlers (§15.2), acting as `caller`; null caller → every call is 401. */
export function itemsServiceFor(core: ItemsCore, caller: Caller | null): ItemsService {
  const who = (): Caller => {
    if (!caller) throw Errors.unauthenticated('missing_credentials')
    return caller
  }
  const typeOf = (name: string | undefined, out: Violation[]) => {
    if (name === undefined) return undefined
    const t = core.registry.get(name)
    if (!t) out.push(violation('type', 'in'))
    return t
  }
  return {
    async get(id, options = {}) {
      const c = who()
      const out: Violation[] = []
      const type = typeOf(options.type, out)
      if (out.length > 0) throw violationError(400, out)
      try {
        const found = await getItem(core, c, id, type)
        if (options.fields === undefined) return found.item
        const fields = parseFields(options.fields, found.type, out)
        if (out.length > 0) throw violationError(400, out)
        return projectItem(found.item, fields) as never
      } catch (error) {
        if ((error as { status?: number }).status === 404) return null
        throw error
      }
    },
    async list(query) {
      const c = who()
      const out: Violation[] = []
      const type = typeOf(query.type, out)
      const page = query.page ?? 0
      const perpage = query.perpage ?? 20
      if (!Number.isInteger(page) || page < 0) out.push(violation('page', 'min.numeric', { min: 0 }))
      if (!Number.isInteger(perpage) || perpage < 1 || perpage > 100) out.push(violation('perpage', 'max.numeric', { max: 100 }))
      const conditions = parseFilters(query.filters === undefined ? undefined : JSON.stringify(query.filters), type, out)
      const sort = parseSort(query.sort, type, out)
      const fields = parseFields(query.fields, type, out)
      if (out.length > 0) throw violationError(400, out)
      const result = await listItems(core, c, type, { page, perpage, conditions, sort, fields })
      return { items: result.items.map((i) => projectItem(i, fields) as never), total: result.total }
    },
    async create(input) {
      const c = who()
      const type = core.registry.get(input.type)
      if (!type) throw violationError(422, [violation('type', 'in')])
      if (type.kind === 'core') throw Errors.readOnlyType(type.name)
      return createItem(core, c, type, input as Record<string, unknown>)
    },
    async update(id, patch, options = {}) {
      return updateItem(core, who(), id, patch as Record<string, unknown>, { ifMatch: options.ifMatch })
    },
    async delete(id, options = {}) {
      await deleteItem(core, who(), id, { ifMatch: options.ifMatch })
    },
  }
}
