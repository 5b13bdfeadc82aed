// The demo store `npm start` and the README's curl examples use. Idempotent.
import type { Db } from './client';

export const DEMO_MAPPINGS = [
  { sku: 'PSN-US-10', supplierProduct: 'PSN-US-10', region: 'US', denomination: '10', price: '10.99' },
  { sku: 'PSN-US-25', supplierProduct: 'PSN-US-25', region: 'US', denomination: '25', price: '26.99' },
  { sku: 'PSN-US-50', supplierProduct: 'PSN-US-50', region: 'US', denomination: '50', price: '52.99' },
  { sku: 'PSN-GB-20', supplierProduct: 'PSN-GB-20', region: 'GB', denomination: '20', price: '26.99' },
] as const;

export async function ensureStore(
  db: Db,
  store: { id: string; name?: string; platform?: string; settings?: Record<string, unknown> },
  mappings: readonly {
    sku: string;
    supplierProduct: string;
    region: string;
    denomination: string;
    price: string;
    currency?: string;
  }[] = DEMO_MAPPINGS,
): Promise<void> {
  await db.store.upsert({
    where: { id: store.id },
    update: {},
    create: {
      id: store.id,
      name: store.name ?? store.id,
      platform: store.platform ?? 'woocommerce',
      settings: (store.settings ?? { codeSkuPrefixes: ['PSN-'] }) as object,
    },
  });
  for (const m of mappings) {
    const existing = await db.skuMapping.findFirst({ where: { storeId: store.id, sku: m.sku } });
    if (existing) continue;
    await db.skuMapping.create({
      data: {
        storeId: store.id,
        sku: m.sku,
        version: 1,
        supplierProduct: m.supplierProduct,
        region: m.region,
        currency: m.currency ?? 'USD',
        denomination: m.denomination,
        price: m.price,
        skuGroup: 'psn',
        active: true,
        changedBy: 'seed',
      },
    });
  }
}
