// Routing decisions of fulfillOrder against fake activities: which source a batch goes to, when
// the next one is tried (only after a rejection or a confirmed absence), and the code pool's
// place in the order of sources. The real processes run the same paths in
// test/suppliers-and-pool.test.ts.
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  ErrorType,
  orderDetailsSignal,
  supplierCallbackSignal,
  supplierClientOrderId,
} from '../../src/shared/contract';
import {
  codes,
  details,
  fakeActivities,
  newOrderId,
  STORE,
  useWorkflowEnv,
  waitForState,
  withWorker,
} from './harness';

useWorkflowEnv();

const ROUTES = [
  { supplier: 'alpha-psn', product: 'psn-us-10', maxUnitCost: '9.80' },
  { supplier: 'kinguin', product: 'kg-psn-us-10', maxUnitCost: '9.90' },
];
const rejected = () => {
  throw ApplicationFailure.nonRetryable('out of stock', ErrorType.SupplierRejected);
};
const placedBy = (fake: ReturnType<typeof fakeActivities>) =>
  fake.named('placeSupplierOrder').map((p) => [p.supplier, p.clientOrderId, p.lines]);

describe('routing between suppliers and the pool', () => {
  it('a rejection by the first supplier sends the units to the next, in a new batch that names it', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, {
      mapping: { routes: ROUTES },
      place: (n, lines, make, supplier) =>
        supplier === 'alpha-psn' ? rejected() : make(n, 'delivered', lines),
    });
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      return handle.result();
    });
    expect(result.state).toBe('delivered');
    expect(placedBy(fake)).toEqual([
      ['alpha-psn', supplierClientOrderId(STORE, orderId, 1), [{ product: 'psn-us-10', quantity: 2 }]],
      ['kinguin', supplierClientOrderId(STORE, orderId, 2), [{ product: 'kg-psn-us-10', quantity: 2 }]],
    ]);
    expect(fake.named('placeSupplierOrder').map((p) => p.maxUnitCost)).toEqual([
      { 'psn-us-10': '9.80' },
      { 'kg-psn-us-10': '9.90' },
    ]);
    expect(result.batches.map((b) => [b.supplier, b.state])).toEqual([
      ['alpha-psn', 'failed'],
      ['kinguin', 'delivered'],
    ]);
    expect(fake.named('storeCodes')).toEqual([
      expect.objectContaining({ lineNo: 1, codes: 2, supplier: 'kinguin' }),
    ]);
  });

  it('a supplier down after every attempt is left only once a lookup confirms it has no batch', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, {
      mapping: { routes: ROUTES },
      place: (n, lines, make, supplier) => {
        if (supplier === 'alpha-psn') throw new Error('HTTP 503');
        return make(n, 'delivered', lines);
      },
    });
    const result = await withWorker(
      fake.activities,
      orderId,
      async ({ handle }) => {
        await handle.signal(orderDetailsSignal, details());
        return handle.result();
      },
      { supplierMaxAttempts: 1 },
    );
    expect(result.state).toBe('delivered');
    const names = fake.calls
      .filter((c) => c.name === 'placeSupplierOrder' || c.name === 'lookupSupplierOrder')
      .map((c) => `${c.name}:${String(c.input.supplier)}`);
    expect(names).toEqual([
      'placeSupplierOrder:alpha-psn',
      'lookupSupplierOrder:alpha-psn',
      'placeSupplierOrder:kinguin',
    ]);
  });

  it('a supplier that is down and cannot be asked holds the order: nothing is bought elsewhere', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, {
      mapping: { routes: ROUTES },
      place: () => {
        throw new Error('connection reset');
      },
      lookup: () => {
        throw new Error('connection reset');
      },
    });
    await withWorker(
      fake.activities,
      orderId,
      async ({ handle }) => {
        await handle.signal(orderDetailsSignal, details());
        const held = await waitForState(handle, 'in_review');
        expect(codes(held)).toEqual(['SUPPLIER_FAILED']);
        await handle.terminate('test over');
      },
      { supplierMaxAttempts: 1 },
    );
    expect(fake.named('placeSupplierOrder').map((p) => p.supplier)).toEqual(['alpha-psn']);
  });

  it('a batch whose outcome is unknown is never bought again elsewhere', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, {
      mapping: { routes: ROUTES },
      place: () => {
        throw ApplicationFailure.nonRetryable('timeout after sending', ErrorType.SupplierOutcomeUnknown);
      },
    });
    await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      const held = await waitForState(handle, 'in_review');
      expect(codes(held)).toEqual(['SUPPLIER_TIMEOUT']);
      await handle.terminate('test over');
    });
    expect(fake.named('placeSupplierOrder').map((p) => p.supplier)).toEqual(['alpha-psn']);
  });

  it('what a final report lacks goes to the next supplier (a partial delivery)', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, {
      mapping: { routes: ROUTES },
      place: (n, lines, make, supplier) =>
        supplier === 'alpha-psn'
          ? make(
              n,
              'partial',
              lines.map((l) => ({ ...l, codes: 1 })),
            )
          : make(n, 'delivered', lines),
    });
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      return handle.result();
    });
    expect(result.state).toBe('delivered');
    expect(placedBy(fake).map(([s, , l]) => [s, l])).toEqual([
      ['alpha-psn', [{ product: 'psn-us-10', quantity: 2 }]],
      ['kinguin', [{ product: 'kg-psn-us-10', quantity: 1 }]],
    ]);
  });

  it('a quote above the maximum cost holds the order before anything is bought, at any supplier', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, {
      mapping: { routes: ROUTES },
      place: () => {
        throw ApplicationFailure.nonRetryable(
          'alpha-psn quotes 12.00 for psn-us-10, above 9.80',
          ErrorType.PriceAboveMax,
        );
      },
    });
    await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      const held = await waitForState(handle, 'in_review');
      expect(codes(held)).toEqual(['PRICE_ABOVE_MAX']);
      await handle.terminate('test over');
    });
    expect(fake.named('placeSupplierOrder').map((p) => p.supplier)).toEqual(['alpha-psn']);
  });

  it('pool first: the pool gives what it has, the supplier the rest', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, { mapping: { routes: ROUTES, poolMode: 'pool_first' }, pool: 1 });
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      return handle.result();
    });
    expect(result.state).toBe('delivered');
    expect(fake.named('reservePoolCodes')).toEqual([
      expect.objectContaining({ sku: 'PSN-US-10', lineNo: 1, count: 2 }),
    ]);
    expect(placedBy(fake).map(([s, , l]) => [s, l])).toEqual([
      ['alpha-psn', [{ product: 'psn-us-10', quantity: 1 }]],
    ]);
    expect(fake.named('storeCodes').map((s) => [s.supplier, s.codes])).toEqual([
      ['pool', 1],
      ['alpha-psn', 1],
    ]);
  });

  it('supplier first with pool fallback: both suppliers out of stock, the pool delivers', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, {
      mapping: { routes: ROUTES, poolMode: 'supplier_first' },
      pool: 5,
      place: rejected,
    });
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      return handle.result();
    });
    expect(result.state).toBe('delivered');
    expect(fake.named('placeSupplierOrder').map((p) => p.supplier)).toEqual(['alpha-psn', 'kinguin']);
    expect(fake.named('storeCodes').map((s) => [s.supplier, s.codes])).toEqual([['pool', 2]]);
  });

  it('pool only, and the pool is empty: review, nothing bought', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, { mapping: { routes: ROUTES, poolMode: 'pool_only' }, pool: 0 });
    await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      const held = await waitForState(handle, 'in_review');
      expect(codes(held)).toEqual(['NO_SOURCE_LEFT']);
      expect(held.reasons[0]!.message).toContain('pool');
      await handle.terminate('test over');
    });
    expect(fake.named('placeSupplierOrder')).toEqual([]);
  });
});

describe('a batch that shows up after its supplier was left', () => {
  it('is applied, and codes no line needs go to review instead of being dropped', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, {
      mapping: { routes: ROUTES },
      place: (n, lines, make, supplier) => {
        if (supplier === 'alpha-psn') throw new Error('HTTP 503');
        return make(n, 'pending', lines);
      },
    });
    await withWorker(
      fake.activities,
      orderId,
      async ({ handle }) => {
        await handle.signal(orderDetailsSignal, details());
        await waitForState(handle, 'awaiting_supplier');
        // Alpha created batch 1 after all, and says so; then kinguin delivers batch 2.
        await handle.signal(supplierCallbackSignal, {
          eventId: 'late-alpha',
          report: fake.report(1, 'delivered', [{ product: 'psn-us-10', quantity: 2 }]),
        });
        await handle.signal(supplierCallbackSignal, {
          eventId: 'kinguin-done',
          report: fake.report(2, 'delivered', [{ product: 'kg-psn-us-10', quantity: 2 }]),
        });
        const held = await waitForState(handle, 'in_review');
        expect(codes(held)).toEqual(['RECONCILE_MISMATCH']);
        expect(held.reasons[0]!.message).toContain('no line needs');
        expect(held.lines[0]!.delivered).toBe(2);
        await handle.terminate('test over');
      },
      { supplierMaxAttempts: 1, supplierWebhookWaitMs: 5_000, supplierMaxWaitMs: 10_000 },
    );
    expect(fake.named('storeCodes')).toHaveLength(1);
  });
});
