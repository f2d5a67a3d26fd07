import {
  OperationNodeTransformer,
  TableNode,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely'

class RenameTransformer extends OperationNodeTransformer {
  constructor(private readonly rename: (table: string) => string) {
    super()
  }

  protected override transformTable(node: TableNode): TableNode {
    const table = super.transformTable(node)
    const name = table.table.identifier.name
    const renamed = this.rename(name)
    if (renamed === name) return table
    const schema = table.table.schema?.name
    return schema ? TableNode.createWithSchema(schema, renamed) : TableNode.create(renamed)
  }
}

/**
 * Rewrites table names in every query (a typed name such as `store_jobs` → `<prefix>jobs`). Kysely has a schema plugin
 * but no prefix plugin, hence this small transformer. Table references inside column references
 * (`t.id`) are table nodes too, so they are renamed as well.
 */
export class TableRenamePlugin implements KyselyPlugin {
  private readonly transformer: RenameTransformer

  constructor(rename: (table: string) => string) {
    this.transformer = new RenameTransformer(rename)
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.transformer.transformNode(args.node)
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}

/** A plugin that replaces the prefix `from` of table names by `to`. */
export function tablePrefixPlugin(from: string, to: string): TableRenamePlugin {
  return new TableRenamePlugin((name) => (name.startsWith(from) ? to + name.slice(from.length) : name))
}
