// Versioned SKU mappings against the real database (PGlite, or PostgreSQL with TEST_DATABASE_URL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSkuMappings, SkuMappingError } from '../src/catalog/sku-mappings';
import { createDb, type Db } from '../src/db/client';
import { ensureStore } from '../src/db/demo-store';
import { startTestDatabase, type TestDatabase } from './support/stack';

let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await startTestDatabase();
  db = createDb(database.url);
  await ensureStore(db, { id: 'shop' }, []);
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.stop();
});

const US50 = {
  supplierProduct: 'PSN-US-50',
  region: 'US',
  currency: 'USD',
  denomination: '50',
  price: '52.99',
};

describe('versioned SKU mappings', () => {
  it('publishes versions, keeps exactly one active and records who retired what', async () => {
    const m = createSkuMappings(db);
    const v1 = await m.publish('shop', 'PSN-50', US50, { by: 'alice', note: 'launch' });
    expect(v1).toMatchObject({
      version: 1,
      active: true,
      changedBy: 'alice',
      note: 'launch',
      price: '52.99',
    });
    const v2 = await m.publish('shop', 'PSN-50', { ...US50, price: '54.99', skuGroup: 'psn' }, { by: 'bob' });
    expect(v2).toMatchObject({
      version: 2,
      active: true,
      price: '54.99',
      skuGroup: 'psn',
      restoredFrom: null,
    });

    const versions = await m.versions('shop', 'PSN-50');
    expect(versions.map((v) => [v.version, v.active])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(versions[1]).toMatchObject({ retiredBy: 'bob' });
    expect(versions[1]!.retiredAt).toBeInstanceOf(Date);
    expect((await m.active('shop', 'PSN-50'))?.version).toBe(2);
  });

  it('rolls back by publishing a new version equal to the earlier one', async () => {
    const m = createSkuMappings(db);
    const v3 = await m.rollback('shop', 'PSN-50', 1, { by: 'carol' });
    expect(v3).toMatchObject({
      version: 3,
      active: true,
      restoredFrom: 1,
      price: '52.99',
      changedBy: 'carol',
      note: 'rollback to version 1',
    });
    const versions = await m.versions('shop', 'PSN-50');
    expect(versions.filter((v) => v.active).map((v) => v.version)).toEqual([3]);
    // The history is intact: version 2 still says what it was.
    expect(versions.find((v) => v.version === 2)).toMatchObject({ price: '54.99', retiredBy: 'carol' });
    await expect(m.rollback('shop', 'PSN-50', 3, { by: 'carol' })).rejects.toThrow(/already the active one/);
    await expect(m.rollback('shop', 'PSN-50', 9, { by: 'carol' })).rejects.toThrow(SkuMappingError);
  });

  it('the database refuses a second active version, and concurrent publishers both land', async () => {
    const m = createSkuMappings(db);
    await expect(
      db.skuMapping.create({
        data: { storeId: 'shop', sku: 'PSN-50', version: 99, ...US50, active: true, changedBy: 'mallory' },
      }),
    ).rejects.toThrow();
    const results = await Promise.allSettled([
      m.publish('shop', 'PSN-10', { ...US50, supplierProduct: 'PSN-US-10' }, { by: 'a' }),
      m.publish('shop', 'PSN-10', { ...US50, supplierProduct: 'PSN-US-10', price: '11.99' }, { by: 'b' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    const versions = await m.versions('shop', 'PSN-10');
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    expect(versions.filter((v) => v.active)).toHaveLength(1);
  });

  it('the workflow catalog reads the active version', async () => {
    const m = createSkuMappings(db);
    const active = await m.activeForStore('shop');
    expect(active.map((a) => [a.sku, a.version])).toEqual([
      ['PSN-10', 2],
      ['PSN-50', 3],
    ]);
  });

  it('keeps the supplier routes and pool mode of a version, through a rollback, and validates them', async () => {
    const m = createSkuMappings(db);
    const routes = [
      { supplier: 'alpha-psn', product: 'PSN-US-25', maxUnitCost: '24.00' },
      { supplier: 'kinguin', product: 'KG-25', maxUnitCost: '24.50' },
    ];
    await m.publish('shop', 'PSN-25', { ...US50, routes, poolMode: 'supplier_first' }, { by: 'a' });
    await m.publish('shop', 'PSN-25', US50, { by: 'a' });
    expect(await m.active('shop', 'PSN-25')).toMatchObject({ routes: [], poolMode: 'off' });
    const back = await m.rollback('shop', 'PSN-25', 1, { by: 'a' });
    expect(back).toMatchObject({ routes, poolMode: 'supplier_first' });
    await expect(
      m.publish('shop', 'X', { ...US50, poolMode: 'sometimes' as never }, { by: 'a' }),
    ).rejects.toThrow(/poolMode/);
    await expect(
      m.publish(
        'shop',
        'X',
        { ...US50, routes: [{ supplier: 'kinguin', product: 'K', maxUnitCost: 'lots' }] },
        { by: 'a' },
      ),
    ).rejects.toThrow(/maxUnitCost/);
  });

  it('validates input and the store', async () => {
    const m = createSkuMappings(db);
    await expect(m.publish('shop', 'X', { ...US50, region: 'usa' }, { by: 'a' })).rejects.toThrow(/region/);
    await expect(m.publish('shop', 'X', { ...US50, price: '1,00' }, { by: 'a' })).rejects.toThrow(/price/);
    await expect(m.publish('shop', 'X', US50, { by: ' ' })).rejects.toThrow(/by/);
    await expect(m.publish('nope', 'X', US50, { by: 'a' })).rejects.toThrow(/unknown store/);
  });
});
