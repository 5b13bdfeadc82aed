// `npm run ops -- pool import <file.csv> --by NAME [--store S]`: loads pre-bought codes into the
// code pool. Each code is encrypted with the vault and fingerprinted on the way in; a code the
// pool or a delivery already knows is refused (listed masked, never in clear).
import { readFileSync } from 'node:fs';
import type { Config } from '../../config';
import { createCodeVault } from '../../codes/vault';
import { importPoolCodes, parsePoolCsv, type PoolImportResult } from '../../codes/pool';
import type { Db } from '../../db/client';
import { need, storeOpt, UsageError } from '../args';
import type { Command } from '../command';

export async function poolImport(
  db: Db,
  config: Config,
  args: { file: string; by: string; store?: string },
): Promise<PoolImportResult & { available: { storeId: string; sku: string; count: number }[] }> {
  const rows = parsePoolCsv(readFileSync(args.file, 'utf8'), args.store);
  const vault = createCodeVault(config.codes.keys, config.codes.activeKeyId, config.codes.fingerprintKey);
  const result = await importPoolCodes(db, vault, rows, { by: args.by, source: args.file });
  const groups = await db.poolCode.groupBy({
    by: ['storeId', 'sku'],
    where: { status: 'available' },
    _count: { _all: true },
  });
  return {
    ...result,
    available: groups.map((g) => ({ storeId: g.storeId, sku: g.sku, count: g._count._all })),
  };
}

export function describeImport(r: Awaited<ReturnType<typeof poolImport>>): string {
  const lines = [`imported ${r.imported} code(s); refused ${r.refused.length}`];
  for (const x of r.refused) lines.push(`  row ${x.row}: ${x.why}${x.masked ? ` (${x.masked})` : ''}`);
  for (const a of r.available) lines.push(`  ${a.storeId} ${a.sku}: ${a.count} available`);
  return lines.join('\n');
}

export const pool: Command = {
  name: 'pool',
  usage: `  pool import <file.csv> --by NAME [--store S]                     load pre-bought codes (CSV: [store,]sku,code[,pin])`,
  options: { by: { type: 'string' }, store: { type: 'string' } },
  async run(ctx, { positionals, values }) {
    const [sub, file] = positionals;
    if (sub !== 'import' || !file) throw new UsageError('usage: pool import <file.csv> --by NAME');
    const r = await poolImport(ctx.db(), ctx.config, {
      file,
      by: need(values, 'by'),
      store: storeOpt(values.store),
    });
    ctx.out(describeImport(r), r);
  },
};
