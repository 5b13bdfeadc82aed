// `npm run ops -- catalog ...`: a store's SKU catalogue as CSV (the same service as the
// /admin/catalog page). Import reads the CSV from standard input.
import { CatalogError, createCatalog, type CatalogDiff } from '../../catalog/catalog';
import { UsageError } from '../args';
import type { Command, Ctx, Values } from '../command';

const USAGE = `  catalog export <store>                                           the active catalogue as CSV on stdout
  catalog import <store> [--dry-run] [--note TEXT] --by NAME       CSV on stdin: line errors, or the diff (and publish)
  catalog history <store> | catalog rollback <store> <version> --by NAME`;

function describeDiff(d: CatalogDiff): string {
  return [
    `${d.added.length} added, ${d.changed.length} changed, ${d.retired.length} retired, ${d.unchanged} unchanged`,
    ...d.added.map(
      (r) => `  + ${r.sku} ${r.supplierProduct} ${r.region} ${r.currency} ${r.denomination} @ ${r.price}`,
    ),
    ...d.changed.map(
      (c) => `  ~ ${c.after.sku} ${c.fields.map((f) => `${f} ${c.before[f]} -> ${c.after[f]}`).join(', ')}`,
    ),
    ...d.retired.map((r) => `  - ${r.sku}`),
  ].join('\n');
}

async function run(ctx: Ctx, positionals: string[], opts: Values) {
  const catalog = createCatalog(ctx.db());
  const [sub, storeId, version] = positionals;
  if (!storeId) throw new UsageError('name the store');
  const by = () => {
    if (typeof opts.by !== 'string' || !opts.by.trim()) throw new UsageError('--by NAME is required');
    return opts.by;
  };
  try {
    switch (sub) {
      case 'export':
        return ctx.write(await catalog.export(storeId));
      case 'import': {
        const csv = await ctx.stdin();
        if (opts['dry-run']) {
          const diff = await catalog.dryRun(storeId, csv);
          return ctx.out(`dry run (nothing published): ${describeDiff(diff)}`, { dryRun: true, diff });
        }
        const r = await catalog.publish(storeId, csv, {
          by: by(),
          note: typeof opts.note === 'string' ? opts.note : undefined,
        });
        return ctx.out(`published catalogue v${r.version}: ${describeDiff(r.diff)}`, r);
      }
      case 'history': {
        const h = await catalog.history(storeId);
        return ctx.out(
          h
            .map(
              (x) =>
                `v${x.version}  ${x.publishedAt.toISOString()}  ${x.publishedBy}  +${x.added} ~${x.changed} -${x.retired}  ${x.note ?? ''}`,
            )
            .join('\n') || 'no catalogue published yet',
          h,
        );
      }
      case 'rollback': {
        if (!version || !/^\d+$/.test(version)) throw new UsageError('name the version to roll back to');
        const r = await catalog.rollback(storeId, Number(version), { by: by() });
        return ctx.out(
          `published catalogue v${r.version} (rollback to v${version}): ${describeDiff(r.diff)}`,
          r,
        );
      }
      default:
        throw new UsageError('catalog export|import|history|rollback');
    }
  } catch (err) {
    if (err instanceof CatalogError && err.lines.length)
      throw new CatalogError(
        `${err.message}:\n${err.lines.map((l) => `  line ${l.line}: ${l.message}`).join('\n')}`,
      );
    throw err;
  }
}

export const catalog: Command = {
  name: 'catalog',
  usage: USAGE,
  options: { by: { type: 'string' }, note: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  run: (ctx, { positionals, values }) => run(ctx, positionals, values),
};
