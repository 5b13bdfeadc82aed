// A store's SKU catalogue as one document: CSV export/import with line-numbered validation, a
// dry-run diff (added, changed, retired), publishing as a new catalogue version through the
// versioned mapping service (each changed SKU gets a new mapping version), rollback (publishes
// an earlier version's snapshot again) and history with who and when.
import type { Db } from '../db/client';
import { CsvSyntaxError, parseCsv, toCsv } from './csv';
import { createSkuMappings, SkuMappingError, type MappingVersion } from './sku-mappings';

export const CATALOG_COLUMNS = [
  'sku',
  'supplier',
  'supplier_product',
  'region',
  'currency',
  'denomination',
  'price',
] as const;

export interface CatalogRow {
  sku: string;
  supplier: string;
  supplierProduct: string;
  region: string;
  currency: string;
  /** Normalised to 2 decimals, as the database keeps them. */
  denomination: string;
  price: string;
}

export interface CatalogLineError {
  line: number;
  message: string;
}

export interface CatalogDiff {
  added: CatalogRow[];
  changed: { before: CatalogRow; after: CatalogRow; fields: (keyof CatalogRow)[] }[];
  retired: CatalogRow[];
  unchanged: number;
}

export class CatalogError extends Error {
  override name = 'CatalogError';
  constructor(
    message: string,
    readonly lines: CatalogLineError[] = [],
  ) {
    super(message);
  }
}

const AMOUNT = /^\d{1,10}(\.\d{1,2})?$/;
const SKU = /^[A-Za-z0-9._-]{1,64}$/;
const FIELDS: (keyof CatalogRow)[] = [
  'supplier',
  'supplierProduct',
  'region',
  'currency',
  'denomination',
  'price',
];

const fixed2 = (v: string) => Number(v).toFixed(2);

/** Parses and validates a catalogue CSV; every problem is reported with its line. */
export function readCatalogCsv(text: string): { rows: CatalogRow[]; errors: CatalogLineError[] } {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError)
      return { rows: [], errors: [{ line: err.line, message: err.message.replace(/^line \d+: /, '') }] };
    throw err;
  }
  const errors: CatalogLineError[] = [];
  const [header, ...body] = records;
  const names = header?.fields.map((f) => f.trim().toLowerCase()) ?? [];
  if (names.join(',') !== CATALOG_COLUMNS.join(',')) {
    return {
      rows: [],
      errors: [
        { line: header?.line ?? 1, message: `the header must be exactly: ${CATALOG_COLUMNS.join(',')}` },
      ],
    };
  }
  const rows: CatalogRow[] = [];
  const seen = new Map<string, number>();
  for (const rec of body) {
    const problems: string[] = [];
    if (rec.fields.length !== CATALOG_COLUMNS.length) {
      errors.push({
        line: rec.line,
        message: `${rec.fields.length} fields, ${CATALOG_COLUMNS.length} expected`,
      });
      continue;
    }
    const [sku, supplier, supplierProduct, region, currency, denomination, price] = rec.fields.map((f) =>
      f.trim(),
    ) as [string, string, string, string, string, string, string];
    if (!SKU.test(sku)) problems.push(`sku "${sku}" is not a SKU (letters, digits, . _ -)`);
    if (!supplier) problems.push('supplier is empty');
    if (!supplierProduct) problems.push('supplier_product is empty');
    if (!/^[A-Z]{2}$/.test(region)) problems.push(`region "${region}" is not a 2-letter code like US`);
    if (!/^[A-Z]{3}$/.test(currency)) problems.push(`currency "${currency}" is not a 3-letter code like USD`);
    if (!AMOUNT.test(denomination))
      problems.push(`denomination "${denomination}" is not an amount like 50 or 52.99`);
    if (!AMOUNT.test(price)) problems.push(`price "${price}" is not an amount like 50 or 52.99`);
    const first = seen.get(sku);
    if (first !== undefined) problems.push(`sku ${sku} is already on line ${first}`);
    else seen.set(sku, rec.line);
    if (problems.length) errors.push({ line: rec.line, message: problems.join('; ') });
    else
      rows.push({
        sku,
        supplier,
        supplierProduct,
        region,
        currency,
        denomination: fixed2(denomination),
        price: fixed2(price),
      });
  }
  if (!body.length)
    errors.push({
      line: (header?.line ?? 1) + 1,
      message: 'no rows: an import that would retire every SKU is refused',
    });
  return { rows, errors };
}

export function catalogCsv(rows: readonly CatalogRow[]): string {
  return toCsv([
    [...CATALOG_COLUMNS],
    ...[...rows]
      .sort((a, b) => a.sku.localeCompare(b.sku))
      .map((r) => [r.sku, r.supplier, r.supplierProduct, r.region, r.currency, r.denomination, r.price]),
  ]);
}

const rowOf = (m: MappingVersion): CatalogRow => ({
  sku: m.sku,
  supplier: m.supplier,
  supplierProduct: m.supplierProduct,
  region: m.region,
  currency: m.currency,
  denomination: m.denomination,
  price: m.price,
});

export function diffCatalog(current: readonly CatalogRow[], next: readonly CatalogRow[]): CatalogDiff {
  const now = new Map(current.map((r) => [r.sku, r]));
  const diff: CatalogDiff = { added: [], changed: [], retired: [], unchanged: 0 };
  for (const after of next) {
    const before = now.get(after.sku);
    if (!before) diff.added.push(after);
    else {
      const fields = FIELDS.filter((f) => before[f] !== after[f]);
      if (fields.length) diff.changed.push({ before, after, fields });
      else diff.unchanged++;
    }
  }
  const kept = new Set(next.map((r) => r.sku));
  diff.retired = current.filter((r) => !kept.has(r.sku));
  return diff;
}

export function createCatalog(db: Db) {
  const mappings = createSkuMappings(db);
  const current = async (storeId: string) => (await mappings.activeForStore(storeId)).map(rowOf);

  async function publishRows(
    storeId: string,
    rows: CatalogRow[],
    meta: { by: string; note?: string; restoredFrom?: number },
  ) {
    if (!(await db.store.findUnique({ where: { id: storeId } })))
      throw new CatalogError(`unknown store ${storeId}`);
    const diff = diffCatalog(await current(storeId), rows);
    if (!diff.added.length && !diff.changed.length && !diff.retired.length)
      throw new CatalogError('nothing to publish: the active catalogue is already this');
    const last = await db.catalogPublication.findFirst({ where: { storeId }, orderBy: { version: 'desc' } });
    const version = (last?.version ?? 0) + 1;
    const note = meta.note ?? `catalogue v${version}`;
    try {
      for (const r of [...diff.added, ...diff.changed.map((c) => c.after)])
        await mappings.publish(
          storeId,
          r.sku,
          {
            supplier: r.supplier,
            supplierProduct: r.supplierProduct,
            region: r.region,
            currency: r.currency,
            denomination: r.denomination,
            price: r.price,
          },
          { by: meta.by, note },
        );
      for (const r of diff.retired) await mappings.retire(storeId, r.sku, { by: meta.by });
    } catch (err) {
      // Each SKU is its own transaction: publishing the same file again finishes the job.
      if (err instanceof SkuMappingError) throw new CatalogError(`${err.message} (publish again to finish)`);
      throw err;
    }
    const publication = await db.catalogPublication.create({
      data: {
        storeId,
        version,
        csv: catalogCsv(rows),
        added: diff.added.length,
        changed: diff.changed.length,
        retired: diff.retired.length,
        publishedBy: meta.by,
        note,
        restoredFrom: meta.restoredFrom ?? null,
      },
    });
    return { version: publication.version, diff };
  }

  function parseOrThrow(text: string): CatalogRow[] {
    const { rows, errors } = readCatalogCsv(text);
    if (errors.length) throw new CatalogError(`${errors.length} line(s) are wrong`, errors);
    return rows;
  }

  return {
    async export(storeId: string): Promise<string> {
      return catalogCsv(await current(storeId));
    },
    current,
    /** The diff an import would make; throws CatalogError with line errors when the CSV is wrong. */
    async dryRun(storeId: string, text: string): Promise<CatalogDiff> {
      return diffCatalog(await current(storeId), parseOrThrow(text));
    },
    async publish(storeId: string, text: string, meta: { by: string; note?: string }) {
      return publishRows(storeId, parseOrThrow(text), meta);
    },
    async rollback(storeId: string, version: number, meta: { by: string }) {
      const target = await db.catalogPublication.findUnique({
        where: { storeId_version: { storeId, version } },
      });
      if (!target) throw new CatalogError(`no catalogue version ${version} for store ${storeId}`);
      return publishRows(storeId, parseOrThrow(target.csv), {
        by: meta.by,
        note: `rollback to catalogue v${version}`,
        restoredFrom: version,
      });
    },
    /** Newest first. */
    async history(storeId: string) {
      return db.catalogPublication.findMany({
        where: { storeId },
        orderBy: { version: 'desc' },
        select: {
          version: true,
          added: true,
          changed: true,
          retired: true,
          publishedBy: true,
          publishedAt: true,
          note: true,
          restoredFrom: true,
        },
      });
    },
  };
}

export type Catalog = ReturnType<typeof createCatalog>;
