// Versioned storefront SKU -> supplier product mappings. Every change is a new version; exactly
// one version per (store, sku) is active (a partial unique index enforces it). Nothing is ever
// updated in place except the retirement stamp of the version being replaced.
//
// Rollback publishes a *new* version that copies the chosen earlier one (restoredFrom = its
// version). Version numbers only grow, the audit trail shows who rolled back and when, and an
// order that recorded "mapping v3" keeps pointing at what v3 really was.
import type { Db } from '../db/client';
import { Prisma, type SkuMapping } from '../generated/prisma/client';
import type { PoolMode } from '../shared/eligibility';

export interface MappingFields {
  supplier?: string;
  supplierProduct: string;
  region: string;
  currency: string;
  /** Decimal strings, e.g. "50" or "52.99". */
  denomination: string;
  price: string;
  skuGroup?: string;
  /** Suppliers in priority order with their product and maximum unit cost (README: suppliers and the code pool). */
  routes?: MappingRoute[];
  /** off | pool_first | supplier_first | pool_only. */
  poolMode?: PoolMode;
}

export interface MappingRoute {
  supplier: string;
  product: string;
  maxUnitCost?: string;
}

const POOL_MODES: readonly PoolMode[] = ['off', 'pool_first', 'supplier_first', 'pool_only'];

export interface MappingVersion extends Required<MappingFields> {
  id: number;
  storeId: string;
  sku: string;
  version: number;
  active: boolean;
  changedBy: string;
  changedAt: Date;
  note: string | null;
  restoredFrom: number | null;
  retiredAt: Date | null;
  retiredBy: string | null;
}

export class SkuMappingError extends Error {
  override name = 'SkuMappingError';
}

const DECIMAL = /^\d{1,10}(\.\d{1,2})?$/;

/** A stored version's mapping fields, as published (amounts as 2-decimal strings). */
export function mappingFields(r: SkuMapping): Required<MappingFields> {
  return {
    supplier: r.supplier,
    supplierProduct: r.supplierProduct,
    region: r.region,
    currency: r.currency,
    denomination: r.denomination.toFixed(2),
    price: r.price.toFixed(2),
    skuGroup: r.skuGroup,
    routes: Array.isArray(r.routes) ? (r.routes as unknown as MappingRoute[]) : [],
    poolMode: r.poolMode as PoolMode,
  };
}

function view(r: SkuMapping): MappingVersion {
  return {
    id: r.id,
    storeId: r.storeId,
    sku: r.sku,
    version: r.version,
    active: r.active,
    ...mappingFields(r),
    changedBy: r.changedBy,
    changedAt: r.changedAt,
    note: r.note,
    restoredFrom: r.restoredFrom,
    retiredAt: r.retiredAt,
    retiredBy: r.retiredBy,
  };
}

function validate(fields: MappingFields) {
  if (!fields.supplierProduct.trim()) throw new SkuMappingError('supplierProduct is required');
  if (!/^[A-Z]{2}$/.test(fields.region)) throw new SkuMappingError('region must be a 2-letter code like US');
  if (!/^[A-Z]{3}$/.test(fields.currency))
    throw new SkuMappingError('currency must be a 3-letter code like USD');
  for (const k of ['denomination', 'price'] as const) {
    if (!DECIMAL.test(fields[k])) throw new SkuMappingError(`${k} must be an amount like 50 or 52.99`);
  }
  if (fields.poolMode && !POOL_MODES.includes(fields.poolMode))
    throw new SkuMappingError(`poolMode must be one of ${POOL_MODES.join(', ')}`);
  for (const r of fields.routes ?? []) {
    if (!r.supplier.trim() || !r.product.trim())
      throw new SkuMappingError('every route names its supplier and product');
    if (r.maxUnitCost !== undefined && !DECIMAL.test(r.maxUnitCost))
      throw new SkuMappingError("a route's maxUnitCost must be an amount like 9.50");
  }
}

export function createSkuMappings(db: Db) {
  /** Deactivates the current version and inserts the next one, in one transaction. */
  async function publishVersion(
    storeId: string,
    sku: string,
    fields: MappingFields,
    meta: { by: string; note?: string; restoredFrom?: number },
  ): Promise<MappingVersion> {
    validate(fields);
    if (!meta.by.trim()) throw new SkuMappingError('who publishes the mapping (by) is required');
    // Two publishers racing for the same SKU collide on (store, sku, version) or on the
    // one-active index; the loser retries on the new state.
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.$transaction(async (tx) => {
          const store = await tx.store.findUnique({ where: { id: storeId } });
          if (!store) throw new SkuMappingError(`unknown store ${storeId}`);
          const last = await tx.skuMapping.findFirst({
            where: { storeId, sku },
            orderBy: { version: 'desc' },
          });
          const now = new Date();
          await tx.skuMapping.updateMany({
            where: { storeId, sku, active: true },
            data: { active: false, retiredAt: now, retiredBy: meta.by },
          });
          const created = await tx.skuMapping.create({
            data: {
              storeId,
              sku,
              version: (last?.version ?? 0) + 1,
              supplier: fields.supplier ?? 'alpha-psn',
              supplierProduct: fields.supplierProduct,
              region: fields.region,
              currency: fields.currency,
              denomination: fields.denomination,
              price: fields.price,
              skuGroup: fields.skuGroup ?? 'default',
              routes: (fields.routes ?? []) as unknown as Prisma.InputJsonValue,
              poolMode: fields.poolMode ?? 'off',
              active: true,
              changedBy: meta.by,
              changedAt: now,
              note: meta.note ?? null,
              restoredFrom: meta.restoredFrom ?? null,
            },
          });
          return view(created);
        });
      } catch (err) {
        const conflict = err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
        if (!conflict || attempt >= 3) throw err;
      }
    }
  }

  return {
    publish(
      storeId: string,
      sku: string,
      fields: MappingFields,
      meta: { by: string; note?: string },
    ): Promise<MappingVersion> {
      return publishVersion(storeId, sku, fields, meta);
    },

    /** Newest first. */
    async versions(storeId: string, sku: string): Promise<MappingVersion[]> {
      const rows = await db.skuMapping.findMany({ where: { storeId, sku }, orderBy: { version: 'desc' } });
      return rows.map(view);
    },

    async active(storeId: string, sku: string): Promise<MappingVersion | null> {
      const row = await db.skuMapping.findFirst({ where: { storeId, sku, active: true } });
      return row ? view(row) : null;
    },

    /** Active mappings of a store, one per SKU. */
    async activeForStore(storeId: string): Promise<MappingVersion[]> {
      const rows = await db.skuMapping.findMany({
        where: { storeId, active: true },
        orderBy: { sku: 'asc' },
      });
      return rows.map(view);
    },

    /** The SKU stops being sold: its active version is retired and none replaces it. */
    async retire(storeId: string, sku: string, meta: { by: string }): Promise<number> {
      if (!meta.by.trim()) throw new SkuMappingError('who retires the mapping (by) is required');
      const { count } = await db.skuMapping.updateMany({
        where: { storeId, sku, active: true },
        data: { active: false, retiredAt: new Date(), retiredBy: meta.by },
      });
      return count;
    },

    /** Publishes a new version equal to `version` (see the header for why not re-activation). */
    async rollback(
      storeId: string,
      sku: string,
      version: number,
      meta: { by: string; note?: string },
    ): Promise<MappingVersion> {
      const target = await db.skuMapping.findUnique({
        where: { storeId_sku_version: { storeId, sku, version } },
      });
      if (!target) throw new SkuMappingError(`no version ${version} of ${sku} in store ${storeId}`);
      if (target.active) throw new SkuMappingError(`version ${version} of ${sku} is already the active one`);
      return publishVersion(storeId, sku, mappingFields(target), {
        by: meta.by,
        note: meta.note ?? `rollback to version ${version}`,
        restoredFrom: version,
      });
    },
  };
}

export type SkuMappings = ReturnType<typeof createSkuMappings>;
