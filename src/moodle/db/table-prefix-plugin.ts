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

/** The prefix the table types are written with. */
export const TYPED_PREFIX = 'mdl_'

class PrefixTransformer extends OperationNodeTransformer {
  constructor(private readonly prefix: string) {
    super()
  }

  protected override transformTable(node: TableNode): TableNode {
    const table = super.transformTable(node)
    const name = table.table.identifier.name
    if (!name.startsWith(TYPED_PREFIX)) return table
    const renamed = this.prefix + name.slice(TYPED_PREFIX.length)
    const schema = table.table.schema?.name
    return schema ? TableNode.createWithSchema(schema, renamed) : TableNode.create(renamed)
  }
}

/**
 * Rewrites `mdl_x` table references to `<prefix>x`. Kysely has a schema plugin but no prefix
 * plugin, hence this small transformer. Only table nodes are touched, so column references such as
 * `mdl_user.id` must be written through table aliases (`selectFrom('mdl_user as u')`).
 */
export class TablePrefixPlugin implements KyselyPlugin {
  private readonly transformer: PrefixTransformer

  constructor(prefix: string) {
    this.transformer = new PrefixTransformer(prefix)
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.transformer.transformNode(args.node)
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}
