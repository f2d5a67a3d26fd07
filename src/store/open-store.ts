import {
  Kysely,
  sql,
  type Dialect,
  OperationNodeTransformer,
  TableNode,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely'
import { migrateStore } from './migrate-store.ts'
import type { StoreTables } from './store-tables.ts'

/** The service's own durable store: jobs, settings, audit records, under its own table prefix. */
export interface Store {
  db: Kysely<StoreTables>
  family: 'postgres' | 'mysql'
  prefix: string
  close(): Promise<void>
}

/**
 * Opens the store on a Kysely dialect (Moodle's database or a separate one) and applies its
 * migrations. Table names carry `prefix`; nothing here touches Moodle's tables.
 */
export async function openStore(options: { dialect: Dialect; family: 'postgres' | 'mysql'; prefix: string; ownsConnection: boolean }): Promise<Store> {
  const db = new Kysely<StoreTables>({ dialect: options.dialect })
  const store: Store = {
    db: db.withPlugin(new StorePrefix(options.prefix)) as Kysely<StoreTables>,
    family: options.family,
    prefix: options.prefix,
    close: async () => {
      if (options.ownsConnection) await db.destroy()
    },
  }
  await migrateStore(store)
  return store
}


/** Store tables are typed as `store_x` and live as `<prefix>x`. */
class StorePrefix implements KyselyPlugin {
  private readonly transformer: OperationNodeTransformer
  constructor(prefix: string) {
    this.transformer = new (class extends OperationNodeTransformer {
      protected override transformTable(node: TableNode): TableNode {
        const t = super.transformTable(node)
        const name = t.table.identifier.name
        return name.startsWith('store_') ? TableNode.create(prefix + name.slice(6)) : t
      }
    })()
  }
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.transformer.transformNode(args.node)
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}

/** True when the store answers a trivial query. */
export async function pingStore(store: Store): Promise<boolean> {
  try {
    await sql`SELECT 1`.execute(store.db)
    return true
  } catch {
    return false
  }
}
