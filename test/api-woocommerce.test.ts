// WooCommerce order webhooks over HTTP, with real signatures: every rejection is checked against
// the Temporal server (nothing started, nothing signalled), every acceptance by its effect.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../src/api/app';
import { createGateway } from '../src/api/gateway';
import { createLogger } from '../src/observability/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fulfillmentWorkflowId,
  type OrderDetails,
  type StorefrontStatusChange,
} from '../src/shared/contract';
import { ROOT, startStack, type Stack } from './support/stack';
import { errorCode, post, signalInputs, signalsOf, waitFor, workflowAbsent } from './support/webhooks';
import { wooDeliveryHeaders, wooOrder, wooSignature } from './support/woo';
import { STORE_CACHE_TTL_MS } from '../src/stores/registry';

const storeCacheExpiry = () => new Promise((r) => setTimeout(r, STORE_CACHE_TTL_MS + 200));

const fixture = (name: string) => `${ROOT}test/fixtures/woocommerce/${name}`;
async function receiptOutcomes(): Promise<string[]> {
  await stack.receipts.settled();
  return (await stack.db.webhookReceipt.findMany({ where: { provider: 'woocommerce' } })).map(
    (r) => r.outcome,
  );
}

const OLD = 'test-woo-secret-old-0001';
const NEW = 'test-woo-secret-new-0002';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const url = (store = 'demo') => `${stack.apiUrl}/webhooks/woocommerce/${store}`;
const order = (id: number, extra: Record<string, unknown> = {}) =>
  wooOrder(id, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }], extra);
/** A paid order whose SKU has no mapping: held for review, its workflow keeps running. */
const held = (id: number, extra: Record<string, unknown> = {}) =>
  wooOrder(id, [{ sku: 'PSN-XX-99', quantity: 1, total: '10.99' }], extra);

function send(
  body: string,
  opts: { secret?: string; signature?: string; type?: string; store?: string } = {},
) {
  return post(url(opts.store), body, {
    'Content-Type': opts.type ?? 'application/json',
    'X-WC-Webhook-Topic': 'order.updated',
    'X-WC-Webhook-Signature': opts.signature ?? wooSignature(body, opts.secret ?? NEW),
  });
}

const absent = (orderId: number | string, store = 'demo') =>
  workflowAbsent(stack, fulfillmentWorkflowId(store, String(orderId)));

describe('WooCommerce webhooks', () => {
  it('answers the creation ping with 200 and starts nothing', async () => {
    const res = await post(url(), 'webhook_id=77', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, ping: true });
    expect(await absent(77)).toBe(true);
  });

  it('accepts a paid order signed with the current secret and starts its workflow', async () => {
    const res = await send(JSON.stringify(order(4001)));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ ok: true, workflowId: fulfillmentWorkflowId('demo', '4001') });
    expect(await signalsOf(stack, fulfillmentWorkflowId('demo', '4001'))).toContain('orderDetails');
  });

  it('accepts a delivery signed with the previous secret during a rotation', async () => {
    const res = await send(JSON.stringify(order(4002)), { secret: OLD });
    expect(res.status).toBe(202);
    expect(await absent(4002)).toBe(false);
  });

  it('rejects a bad signature with 401 and starts nothing', async () => {
    const res = await send(JSON.stringify(order(4003)), { signature: 'bm90LWEtc2lnbmF0dXJl' });
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe('bad_signature');
    expect(res.body.error).toMatchObject({ requestId: res.headers.get('x-request-id') });
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(await absent(4003)).toBe(true);
  });

  it('rejects a missing signature with 401', async () => {
    const body = JSON.stringify(order(4004));
    const res = await post(url(), body, { 'Content-Type': 'application/json' });
    expect(res.status).toBe(401);
    expect(await absent(4004)).toBe(true);
  });

  it('rejects a body signed with a secret of another store or an old, removed secret', async () => {
    const res = await send(JSON.stringify(order(4005)), { secret: 'some-other-store-secret-9999' });
    expect(res.status).toBe(401);
    expect(await absent(4005)).toBe(true);
  });

  it('rejects a signature computed over a different body', async () => {
    const signedFor = JSON.stringify(order(4006));
    const sent = JSON.stringify(order(4006, { total: '0.01' }));
    const res = await send(sent, { signature: wooSignature(signedFor, NEW) });
    expect(res.status).toBe(401);
    expect(await absent(4006)).toBe(true);
  });

  it('answers signed malformed JSON 200 (never a failure WooCommerce counts) and records it', async () => {
    const body = '{"id":4007,"status":"processing",';
    const res = await send(body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, outcome: 'unreadable_json' });
    expect(await absent(4007)).toBe(true);
    expect(await receiptOutcomes()).toContain('unreadable_json');
  });

  it('forwards a paid order of the wrong shape with its problems, answered 2xx', async () => {
    const bad = order(4008);
    bad.line_items[0]!.quantity = 0;
    const res = await send(JSON.stringify({ ...bad, currency: 'DOLLARS' }));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ ok: true, problems: 2 });
    const [details] = await signalInputs<OrderDetails>(
      stack,
      fulfillmentWorkflowId('demo', '4008'),
      'orderDetails',
    );
    expect(details!.problems!.map((p) => p.code)).toEqual(['STOREFRONT_DATA', 'STOREFRONT_DATA']);
    expect(details!.problems!.map((p) => p.message).join(' ')).toMatch(/currency.*DOLLARS[\s\S]*quantity 0/);
  });

  it('rejects an oversize body with 413', async () => {
    const big = JSON.stringify(order(4009, { customer_note: 'x'.repeat(300 * 1024) }));
    const res = await send(big);
    expect(res.status).toBe(413);
    expect(errorCode(res)).toBe('body_too_large');
    expect(await absent(4009)).toBe(true);
  });

  it('rejects the wrong content type with 415', async () => {
    const res = await send(JSON.stringify(order(4010)), { type: 'text/plain' });
    expect(res.status).toBe(415);
    expect(await absent(4010)).toBe(true);
  });

  it('rejects an unknown store with 404', async () => {
    const res = await send(JSON.stringify(order(4011)), { store: 'nosuchstore' });
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe('unknown_store');
    expect(await absent(4011, 'nosuchstore')).toBe(true);
    expect(await absent(4011)).toBe(true);
  });

  it('has one effect when the same delivery arrives 5 times', async () => {
    const body = JSON.stringify(order(4012));
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await send(body)).status);
    expect(statuses).toEqual([202, 200, 200, 200, 200]);
    const id = fulfillmentWorkflowId('demo', '4012');
    expect((await signalsOf(stack, id)).filter((s) => s === 'orderDetails')).toHaveLength(1);
    await stack.env.client.workflow.getHandle(id).result();
    expect(stack.sandbox.stats.byClientOrderId['cb_demo_4012_b1']).toBe(1);
  });

  it('answers the real creation ping (form-encoded with charset, unsigned) with an exact 200', async () => {
    const res = await post(url(), readFileSync(fixture('ping.txt')), {
      'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8',
      'User-Agent': 'WooCommerce/9.8.5 Hookshot (WordPress/6.8.1)',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ping: true });
  });

  it('acknowledges an unpaid order (pending) and starts nothing', async () => {
    const res = await send(JSON.stringify(order(4013, { status: 'pending', date_paid: null })));
    expect(res.status).toBe(200);
    expect(res.body.ignored).toBeTruthy();
    expect(await absent(4013)).toBe(true);
  });

  it('starts the workflow when the same order later becomes paid', async () => {
    const pending = await send(JSON.stringify(order(4014, { status: 'on-hold', date_paid: null })));
    expect(pending.status).toBe(200);
    expect(await absent(4014)).toBe(true);
    const paid = await send(JSON.stringify(order(4014)));
    expect(paid.status).toBe(202);
    expect(await absent(4014)).toBe(false);
  });

  it('an unpaid update reaches an order that already has a workflow (a change in the store)', async () => {
    // An unmapped SKU holds the order for review, so its workflow is still running.
    expect((await send(JSON.stringify(held(4015)))).status).toBe(202);
    const cancelled = held(4015, { status: 'cancelled', date_modified_gmt: '2026-11-30T12:00:00' });
    const res = await send(JSON.stringify(cancelled));
    expect(res.status).toBe(202);
    expect(res.body.outcome).toBe('signalled');
    const all = await waitFor(
      () => signalInputs<OrderDetails>(stack, fulfillmentWorkflowId('demo', '4015'), 'orderDetails'),
      (d) => d.length === 2,
    );
    expect(all[1]).toMatchObject({
      status: 'cancelled',
      paid: false,
      modifiedAt: '2026-11-30T12:00:00.000Z',
    });
  });

  it('processing without date_paid is not paid: nothing starts', async () => {
    const res = await send(JSON.stringify(order(4016, { date_paid: null, date_paid_gmt: null })));
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('ignored_unpaid');
    expect(await absent(4016)).toBe(true);
  });

  it('cash on delivery is paid only once completed, even with date_paid; per store configurable', async () => {
    const cod = await send(JSON.stringify(order(4017, { payment_method: 'cod' })));
    expect(cod.status).toBe(200);
    expect(await absent(4017)).toBe(true);
    const done = await send(JSON.stringify(order(4017, { payment_method: 'cod', status: 'completed' })));
    expect(done.status).toBe(202);
    expect(await absent(4017)).toBe(false);

    // A store that lists its own settle-later methods (here: stripe too).
    const before = await stack.db.store.findUniqueOrThrow({ where: { id: 'demo' } });
    await stack.db.store.update({
      where: { id: 'demo' },
      data: { settings: { ...(before.settings as object), settleLaterPaymentMethods: ['stripe'] } },
    });
    await storeCacheExpiry(); // the API caches store settings for a short TTL
    try {
      const stripe = await send(JSON.stringify(order(4018)));
      expect(stripe.status).toBe(200);
      expect(await absent(4018)).toBe(true);
      const bacs = await send(JSON.stringify(order(4019, { payment_method: 'bacs' })));
      expect(bacs.status).toBe(202);
    } finally {
      await stack.db.store.update({ where: { id: 'demo' }, data: { settings: before.settings as object } });
      await storeCacheExpiry();
    }
  });

  it('order.deleted ({"id":N}) and order.restored ({"id":N}) reach the workflow as storefront statuses', async () => {
    expect((await send(JSON.stringify(held(4020)))).status).toBe(202);
    const wf = fulfillmentWorkflowId('demo', '4020');
    const body = JSON.stringify({ id: 4020 });
    const deleted = await post(url(), body, wooDeliveryHeaders(body, { topic: 'order.deleted' }));
    expect(deleted.status).toBe(202);
    const restored = await post(url(), body, wooDeliveryHeaders(body, { topic: 'order.restored' }));
    expect(restored.status).toBe(202);
    const changes = await waitFor(
      () => signalInputs<StorefrontStatusChange>(stack, wf, 'storefrontStatus'),
      (c) => c.length === 2,
    );
    expect(changes.map((c) => c.status)).toEqual(['deleted', 'restored']);
    // Deleting an order cardbridge never saw starts nothing.
    const other = JSON.stringify({ id: 4021 });
    const none = await post(url(), other, wooDeliveryHeaders(other, { topic: 'order.deleted' }));
    expect(none.status).toBe(200);
    expect(none.body.outcome).toBe('ignored_no_workflow');
    expect(await absent(4021)).toBe(true);
  });
});

describe('Temporal unavailable', () => {
  it('is the one case a verified delivery gets a 503 (nothing recorded, so the sweep can recover it)', async () => {
    const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500, interceptors: [] });
    const app = createApp({
      config: stack.config,
      gateway: createGateway(new Client({ connection }), stack.taskQueue, stack.timeouts),
      db: stack.db,
      logger: createLogger({ level: 'silent', name: 'dead-temporal' }),
      temporalReady: () => Promise.reject(new Error('down')),
    });
    const server: Server = await new Promise((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    try {
      const body = JSON.stringify(order(4040));
      const dead = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/woocommerce/demo`;
      const res = await post(dead, body, wooDeliveryHeaders(body, { topic: 'order.updated' }));
      expect(res.status).toBe(503);
      expect(await absent(4040)).toBe(true);
      // Nothing was recorded: the same delivery is taken once Temporal answers.
      expect((await post(url(), body, wooDeliveryHeaders(body, { topic: 'order.updated' }))).status).toBe(
        202,
      );
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await connection.close().catch(() => undefined);
    }
  });
});

describe('after delivery', () => {
  it('a refund or deletion in the store after the codes were delivered becomes a review case', async () => {
    expect((await send(JSON.stringify(order(4030)))).status).toBe(202);
    const wf = fulfillmentWorkflowId('demo', '4030');
    await stack.env.client.workflow.getHandle(wf).result();
    const refunded = await send(
      JSON.stringify(order(4030, { status: 'refunded', date_modified_gmt: '2026-12-01T08:00:00' })),
    );
    expect(refunded.status).toBe(200);
    expect(refunded.body.outcome).toBe('already_closed');
    const body = JSON.stringify({ id: 4030 });
    const deleted = await post(url(), body, wooDeliveryHeaders(body, { topic: 'order.deleted' }));
    expect(deleted.status).toBe(200);
    const cases = await stack.db.reviewCase.findMany({ where: { workflowId: wf, status: 'open' } });
    expect(cases.map((c) => c.reasonCode).sort()).toEqual(['STOREFRONT_CANCELLED', 'STOREFRONT_REFUNDED']);
  });
});

describe('real WooCommerce bytes (test/fixtures/woocommerce)', () => {
  const deliveries: { file: string; topic: string; orderId?: string }[] = [
    { file: 'order-updated-paid-usd.json', topic: 'order.updated', orderId: '5101' },
    { file: 'order-created-pending-bacs.json', topic: 'order.created', orderId: '5102' },
    { file: 'order-updated-cod-processing.json', topic: 'order.updated', orderId: '5103' },
    { file: 'order-updated-kwd.json', topic: 'order.updated', orderId: '5104' },
    { file: 'order-updated-null-sku.json', topic: 'order.updated', orderId: '5105' },
    { file: 'order-updated-jpy.json', topic: 'order.updated', orderId: '5106' },
    { file: 'order-updated-partial-refund.json', topic: 'order.updated', orderId: '5107' },
    { file: 'order-updated-odd-numbers.json', topic: 'order.updated', orderId: '5108' },
    { file: 'order-deleted.json', topic: 'order.deleted', orderId: '5101' },
    { file: 'order-restored.json', topic: 'order.restored', orderId: '5103' },
    { file: 'product-updated.json', topic: 'product.updated' },
    { file: 'order-updated-paid-usd.json', topic: 'action.woocommerce_custom_thing' },
  ];

  it('ten and more verified quirky deliveries in a row are all answered 2xx', async () => {
    const statuses: number[] = [];
    for (const d of deliveries) {
      const body = readFileSync(fixture(d.file));
      const res = await post(url(), body, wooDeliveryHeaders(body, { topic: d.topic }));
      statuses.push(res.status);
    }
    expect(
      statuses.every((s) => s >= 200 && s < 300),
      statuses.join(','),
    ).toBe(true);
    expect(statuses.length).toBeGreaterThanOrEqual(10);
  });

  it('reads the fixtures exactly: KWD in 3 decimals, JPY in 0, null SKU and odd numbers as problems', async () => {
    const details = async (id: string) =>
      (await signalInputs<OrderDetails>(stack, fulfillmentWorkflowId('demo', id), 'orderDetails'))[0]!;
    const kwd = await details('5104');
    expect(kwd).toMatchObject({
      currency: 'KWD',
      total: '31.500',
      paid: true,
      modifiedAt: '2026-11-30T09:10:11.000Z',
    });
    expect(kwd.lines[0]).toMatchObject({ sku: 'PSN-KW-10', quantity: 3, unitPrice: '10.500' });
    expect(kwd.problems).toBeUndefined();
    const jpy = await details('5106');
    expect(jpy).toMatchObject({ total: '4500', lines: [{ unitPrice: '1500', quantity: 3 }] });
    const nullSku = await details('5105');
    expect(nullSku.problems).toEqual([expect.objectContaining({ code: 'STOREFRONT_DATA', lineNo: 1 })]);
    const odd = await details('5108');
    expect(odd.problems!.length).toBeGreaterThanOrEqual(3);
    const refunded = await details('5107');
    expect(refunded.problems![0]!.message).toMatch(/refunded 5\.00 USD/);
    // Unpaid (bank transfer on hold) and cash on delivery while processing start nothing.
    expect(await absent(5102)).toBe(true);
    expect(await receiptOutcomes()).toEqual(expect.arrayContaining(['ignored_topic', 'ignored_unpaid']));
    // Non-ASCII (\uXXXX) and escaped slashes read back as text.
    const usd = await details('5101');
    expect(usd.lines[0]!.name).toBe('PSN $10 \u2013 US');
    expect(usd.customerEmail).toBe('renee+5101@example.test');
  });
});
