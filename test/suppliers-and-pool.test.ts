// Two suppliers and the code pool against the real processes (test/support/stack.ts): the Alpha
// PSN sandbox and the Kinguin-style sandbox over HTTP, each with its own webhook, the API, a
// worker, Temporal and the database. A supplier is left only when it rejected the order or a
// lookup confirmed it has no batch; the pool is reserved atomically across concurrent orders.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolImport } from '../src/ops/commands/pool';
import { decide, newOrderId, placeOrder, result, waitForState } from './support/orders';
import { keepHistory, saveKeptHistories } from './support/replay';
import { startStack, type Stack } from './support/stack';

let stack: Stack;
const dir = mkdtempSync(path.join(tmpdir(), 'cb-pool-'));
let fileNo = 0;
const codeNo = { n: 0 };
/** Writes a pool CSV of `n` fresh codes for a SKU and imports it through the ops command. */
async function importCodes(sku: string, n: number, extraRows: string[] = []) {
  const rows = Array.from({ length: n }, () => `${sku},POOL-${sku}-${String(++codeNo.n).padStart(6, '0')}`);
  const file = path.join(dir, `pool-${++fileNo}.csv`);
  writeFileSync(file, ['sku,code', ...rows, ...extraRows].join('\n'));
  return poolImport(stack.db, stack.config, { file, by: 'test', store: 'demo' });
}

const ROUTES = [
  { supplier: 'alpha-psn', product: 'PSN-US-10', maxUnitCost: '9.80' },
  { supplier: 'kinguin', product: 'KG-PSN-US-10', maxUnitCost: '9.90' },
];

beforeAll(async () => {
  stack = await startStack({ timeouts: { supplierMaxAttempts: 2 } });
  const m = (sku: string, data: object) =>
    stack.db.skuMapping.updateMany({ where: { storeId: 'demo', sku, active: true }, data });
  await m('PSN-US-10', { routes: ROUTES, poolMode: 'supplier_first' });
  await m('PSN-US-25', { poolMode: 'pool_only' });
  await m('PSN-US-50', {
    routes: [{ supplier: 'alpha-psn', product: 'PSN-US-50' }],
    poolMode: 'pool_first',
  });
}, 120_000);
afterAll(async () => {
  // A pool code appears only in its delivery: never in a log line or an API answer.
  const seen = `${stack?.logs.text() ?? ''}\n${stack?.responses.join('\n') ?? ''}`;
  if (stack) await saveKeptHistories(stack);
  await stack?.stop();
  expect(seen).not.toMatch(/POOL-PSN-US-\d\d-\d{6}/);
});

const US10 = { sku: 'PSN-US-10', quantity: 1, total: '10.99' };
const deliveredFrom = async (workflowId: string) =>
  (await stack.db.deliveredCode.findMany({ where: { order: { workflowId } } })).map((c) => c.supplier);

describe('failover between suppliers', () => {
  it('supplier A down (503 on every order call): B delivers, A has no order', async () => {
    const id = newOrderId();
    stack.sandbox.on(`_${id}_`, { fail5xx: { times: 99 } });
    const o = await placeOrder(stack, [US10], {}, id);
    const r = await result(stack, o.workflowId);
    expect(r.state).toBe('delivered');
    expect(r.batches.map((b) => [b.supplier, b.state])).toEqual([
      ['alpha-psn', 'failed'],
      ['kinguin', 'delivered'],
    ]);
    expect(stack.sandbox.stats.byClientOrderId[o.clientOrderId(1)] ?? 0).toBe(0);
    expect(stack.kinguin.stats.byClientOrderId[o.clientOrderId(2)]).toBe(1);
    expect(await deliveredFrom(o.workflowId)).toEqual(['kinguin']);
    keepHistory('failover-supplier-down', o.workflowId);
  }, 60_000);

  it('supplier A out of stock (rejects): B delivers at once', async () => {
    const id = newOrderId();
    stack.sandbox.on(`_${id}_`, { reject: { status: 422, message: 'out of stock' } });
    const o = await placeOrder(stack, [US10], {}, id);
    const r = await result(stack, o.workflowId);
    expect(r.state).toBe('delivered');
    expect(r.batches.map((b) => b.supplier)).toEqual(['alpha-psn', 'kinguin']);
    expect(stack.kinguin.stats.ordersCreated).toBeGreaterThan(0);
    // Kinguin's order.status webhook (X-Event-Secret) reached the API and nudged a lookup.
    expect(stack.kinguin.stats.webhooksSent).toBeGreaterThan(0);
    keepHistory('failover-supplier-rejected', o.workflowId);
    expect(await deliveredFrom(o.workflowId)).toEqual(['kinguin']);
  }, 60_000);

  it('a quote above the maximum cost holds the order before buying', async () => {
    const id = newOrderId();
    stack.sandbox.on(`_${id}_`, { reject: { status: 422, message: 'out of stock' } });
    stack.kinguin.on('KG-PSN-US-10', { unitPrice: '12.00' });
    try {
      const o = await placeOrder(stack, [US10], {}, id);
      const held = await waitForState(stack, o.workflowId, 'in_review');
      expect(held.reasons.map((x) => x.code)).toEqual(['PRICE_ABOVE_MAX']);
      expect(stack.kinguin.stats.byClientOrderId[o.clientOrderId(2)] ?? 0).toBe(0);
      await decide(stack, o.workflowId, { action: 'cancel', by: 'test' });
    } finally {
      stack.kinguin.on('KG-PSN-US-10', { unitPrice: '9.00' });
    }
  }, 60_000);

  it('both suppliers down: the pool delivers, and its code is spent', async () => {
    await importCodes('PSN-US-10', 3);
    const id = newOrderId();
    stack.sandbox.on(`_${id}_`, { fail5xx: { times: 99 } });
    stack.kinguin.on(`_${id}_`, { fail5xx: { times: 99 } });
    const o = await placeOrder(stack, [US10], {}, id);
    const r = await result(stack, o.workflowId);
    expect(r.state).toBe('delivered');
    expect(await deliveredFrom(o.workflowId)).toEqual(['pool']);
    expect(stack.kinguin.stats.byClientOrderId[o.clientOrderId(2)] ?? 0).toBe(0);
    const spent = await stack.db.poolCode.findMany({ where: { reservedBy: o.workflowId } });
    expect(spent.map((c) => c.status)).toEqual(['delivered']);
    keepHistory('failover-both-down-pool', o.workflowId);
    keepHistory('folded-failover-both-down-pool', o.workflowId); // bookkeeping with the effects
  }, 90_000);
});

describe("the second supplier's webhook", () => {
  const post = (secret: string | undefined, body: object) =>
    fetch(`${stack.apiUrl}/webhooks/supplier/kinguin`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Event-Name': 'order.status',
        ...(secret ? { 'X-Event-Secret': secret } : {}),
      },
      body: JSON.stringify(body),
    });
  const event = {
    orderId: 'KG-1',
    orderExternalId: 'cb_demo_999999_b1',
    status: 'completed',
    updatedAt: new Date().toISOString(),
  };

  it('refuses a wrong or missing X-Event-Secret, and an order cardbridge never placed', async () => {
    expect((await post('wrong-secret-0000000', event)).status).toBe(401);
    expect((await post(undefined, event)).status).toBe(401);
    expect((await post('test-kinguin-event-secret', event)).status).toBe(404);
    expect((await post('test-kinguin-event-secret', { ...event, orderExternalId: 'elsewhere' })).status).toBe(
      404,
    );
  });
});

describe('the code pool', () => {
  it('import refuses a code already known, and stores codes encrypted', async () => {
    const first = await importCodes('PSN-US-20', 2);
    expect(first.imported).toBe(2);
    const again = await importCodes('PSN-US-20', 0, [
      'PSN-US-20,POOL-PSN-US-20-' + String(codeNo.n).padStart(6, '0'),
    ]);
    expect(again.imported).toBe(0);
    expect(again.refused).toEqual([expect.objectContaining({ why: 'code already known' })]);
    const rows = await stack.db.poolCode.findMany({ where: { sku: 'PSN-US-20' } });
    for (const row of rows) expect(row.ciphertext).not.toContain('POOL-');
  });

  it('pool only and empty: review, nothing bought', async () => {
    const o = await placeOrder(stack, [{ sku: 'PSN-US-25', quantity: 1, total: '26.99' }]);
    const held = await waitForState(stack, o.workflowId, 'in_review');
    expect(held.reasons.map((x) => x.code)).toEqual(['NO_SOURCE_LEFT']);
    expect(stack.sandbox.stats.byClientOrderId[o.clientOrderId(1)] ?? 0).toBe(0);
    await decide(stack, o.workflowId, { action: 'cancel', by: 'test' });
  }, 60_000);

  it('a reserved code goes back to the pool when the order is cancelled before delivery', async () => {
    await importCodes('PSN-US-25', 1);
    const o = await placeOrder(stack, [{ sku: 'PSN-US-25', quantity: 2, total: '53.98' }]);
    const held = await waitForState(stack, o.workflowId, 'in_review');
    expect(held.lines[0]!.delivered).toBe(1);
    expect(await stack.db.poolCode.count({ where: { sku: 'PSN-US-25', status: 'available' } })).toBe(0);
    await decide(stack, o.workflowId, { action: 'cancel', by: 'test' });
    expect((await result(stack, o.workflowId)).state).toBe('cancelled');
    expect(await stack.db.poolCode.count({ where: { sku: 'PSN-US-25', status: 'available' } })).toBe(1);
    expect(await stack.db.deliveredCode.count({ where: { order: { workflowId: o.workflowId } } })).toBe(0);
  }, 60_000);

  const ORDERS = Number(process.env.POOL_RACE_ORDERS ?? 200);
  it(`${ORDERS} orders racing for ${ORDERS / 2} pool codes: each code once, the rest from the supplier`, async () => {
    await importCodes('PSN-US-50', ORDERS / 2);
    const orders = await Promise.all(
      Array.from({ length: ORDERS }, () =>
        placeOrder(stack, [{ sku: 'PSN-US-50', quantity: 1, total: '52.99' }]),
      ),
    );
    const results = await Promise.all(orders.map((o) => result(stack, o.workflowId)));
    expect(results.filter((r) => r.state !== 'delivered').map((r) => [r.workflowId, r.state])).toEqual([]);
    const ids = orders.map((o) => o.workflowId);
    const delivered = await stack.db.deliveredCode.findMany({
      where: { order: { workflowId: { in: ids } } },
    });
    expect(delivered).toHaveLength(ORDERS);
    expect(delivered.filter((d) => d.supplier === 'pool')).toHaveLength(ORDERS / 2);
    expect(new Set(delivered.map((d) => d.fingerprint)).size).toBe(ORDERS);
    const pool = await stack.db.poolCode.findMany({ where: { sku: 'PSN-US-50' } });
    expect(pool.every((c) => c.status === 'delivered')).toBe(true);
    expect(new Set(pool.map((c) => c.reservedBy)).size).toBe(ORDERS / 2);
    const fromSupplier = orders.filter(
      (o) => (stack.sandbox.stats.byClientOrderId[o.clientOrderId(1)] ?? 0) > 0,
    );
    expect(fromSupplier).toHaveLength(ORDERS / 2);
    // The pool ran dry: the low-stock alert counted it.
    const low = await stack.metrics.registry.getSingleMetricAsString('cardbridge_pool_low_stock_total');
    expect(low).toMatch(/cardbridge_pool_low_stock_total\{store="demo",sku="PSN-US-50"\} [1-9]/);
  }, 600_000);
});
