// What every endpoint shares: the OpenAPI document, rate limiting per source, readiness, and the
// supplier webhook's own checks.
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type AppDeps } from '../src/api/app';
import { createGateway } from '../src/api/gateway';
import { createDb } from '../src/db/client';
import { createLogger } from '../src/observability/logger';
import { fulfillmentWorkflowId } from '../src/shared/contract';
import { startStack, type Stack } from './support/stack';
import { apiSignals, errorCode, post, signalsOf, waitFor, workflowAbsent } from './support/webhooks';
import { postWoo, wooOrder, wooSignature } from './support/woo';

const SUPPLIER_SECRET = 'test-supplier-webhook-secret';

let stack: Stack;
const servers: Server[] = [];
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  await stack?.stop();
});

/** A second API instance over the same Temporal and database, with some dependency replaced. */
async function extraApp(over: Partial<AppDeps>): Promise<string> {
  const app: Express = createApp({
    config: stack.config,
    gateway: createGateway(stack.env.client, stack.taskQueue, stack.timeouts),
    db: stack.db,
    logger: createLogger({ level: 'silent', name: 'extra' }),
    temporalReady: async () => {
      await stack.env.client.workflowService.getSystemInfo({});
    },
    ...over,
  });
  const server: Server = await new Promise((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function supplierEvent(id: string, clientOrderId: string, status = 'processing') {
  const at = new Date().toISOString();
  return {
    id,
    type: status === 'processing' ? 'order.processing' : 'order.completed',
    createdAt: at,
    data: {
      id: `sup_${id}`,
      externalOrderId: clientOrderId,
      status,
      lines: [{ sku: 'PSN-US-10', quantity: 1, codes: [], failedQuantity: 0 }],
      createdAt: at,
      updatedAt: at,
    },
  };
}

function sendSupplier(payload: unknown, opts: { secret?: string; signature?: string; type?: string } = {}) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return post(`${stack.apiUrl}/webhooks/supplier`, body, {
    'Content-Type': opts.type ?? 'application/json',
    'X-Signature':
      opts.signature ??
      createHmac('sha256', opts.secret ?? SUPPLIER_SECRET)
        .update(body)
        .digest('hex'),
  });
}

describe('OpenAPI document', () => {
  it('is served at /openapi.json, version 3.1, with every webhook endpoint and its schema', async () => {
    const res = await fetch(`${stack.apiUrl}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, { post?: { parameters?: { name: string }[] } }>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/webhooks/woocommerce/{storeId}',
      '/webhooks/standard/{storeId}',
      '/webhooks/pocketsflow/{storeId}',
      '/webhooks/paynup/{storeId}',
      '/webhooks/supplier',
    ])
      expect(doc.paths[p]?.post).toBeDefined();
    const names = doc.paths['/webhooks/standard/{storeId}']!.post!.parameters!.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['webhook-id', 'webhook-timestamp', 'webhook-signature']));
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'Error',
        'WooCommerceOrder',
        'StandardEvent',
        'PaynupClaims',
        'SupplierWebhook',
      ]),
    );
    expect(doc.components.schemas.WooCommerceOrder!.properties).toHaveProperty('line_items');
    // Every $ref resolves inside the document.
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      const name = /#\/components\/schemas\/(\w+)/.exec(ref)?.[1];
      expect(name && doc.components.schemas[name], ref).toBeTruthy();
    }
  });
});

describe('rate limiting per (provider, store, client IP)', () => {
  it('answers 429 past the limit, counting each provider and store separately', async () => {
    const api = await extraApp({
      config: { ...stack.config, api: { ...stack.config.api, rateLimit: { max: 3, windowMs: 60_000 } } },
    });
    const hit = (path: string) => post(`${api}${path}`, '{}', { 'Content-Type': 'application/json' });
    const first = [];
    for (let i = 0; i < 3; i++) first.push((await hit('/webhooks/woocommerce/demo')).status);
    expect(first).toEqual([401, 401, 401]);
    const limited = await hit('/webhooks/woocommerce/demo');
    expect(limited.status).toBe(429);
    expect(errorCode(limited)).toBe('rate_limited');
    expect(limited.headers.get('ratelimit-policy')).toBeTruthy();
    // Another store and another provider from the same IP have their own budgets.
    expect((await hit('/webhooks/woocommerce/other')).status).toBe(404);
    expect((await hit('/webhooks/standard/demo')).status).toBe(400);
    expect((await hit('/webhooks/supplier')).status).toBe(401);
  });

  it('forged requests use up only their own budget: genuine deliveries from the same IP still pass', async () => {
    const api = await extraApp({
      config: { ...stack.config, api: { ...stack.config.api, rateLimit: { max: 3, windowMs: 60_000 } } },
    });
    const forged = () =>
      post(`${api}/webhooks/woocommerce/demo`, '{"id":1}', {
        'Content-Type': 'application/json',
        'X-WC-Webhook-Signature': 'Zm9yZ2Vk',
      });
    const junk = [];
    for (let i = 0; i < 6; i++) junk.push((await forged()).status);
    expect(junk).toEqual([401, 401, 401, 429, 429, 429]);
    // Genuine deliveries (signed, here unpaid orders) have their own budget of 3.
    const genuine = [];
    for (let i = 0; i < 3; i++) {
      const body = JSON.stringify(
        wooOrder(7700 + i, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }], {
          status: 'pending',
          date_paid: null,
        }),
      );
      const res = await post(`${api}/webhooks/woocommerce/demo`, body, {
        'Content-Type': 'application/json',
        'X-WC-Webhook-Topic': 'order.created',
        'X-WC-Webhook-Signature': wooSignature(body, 'test-woo-secret-new-0002'),
      });
      genuine.push(res.status);
    }
    expect(genuine).toEqual([200, 200, 200]);
    expect((await forged()).status).toBe(429);
  });
});

describe('health and readiness', () => {
  it('healthz is 200; readyz is 200 when Temporal and the database answer', async () => {
    expect((await fetch(`${stack.apiUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${stack.apiUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ok: true, database: 'ok', temporal: 'ok' });
  });

  it('readyz is 503 when the database is down', async () => {
    const deadDb = createDb('postgresql://postgres:postgres@127.0.0.1:1/postgres');
    const api = await extraApp({ db: deadDb });
    const res = await fetch(`${api}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ok: false, database: 'unavailable', temporal: 'ok' });
    await deadDb.$disconnect().catch(() => undefined);
  });

  it('readyz is 503 when Temporal is down', async () => {
    const api = await extraApp({ temporalReady: () => Promise.reject(new Error('unavailable')) });
    const res = await fetch(`${api}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ok: false, database: 'ok', temporal: 'unavailable' });
  });
});

describe('supplier webhook', () => {
  it('rejects bad signatures, a signature over another body, malformed JSON, oversize, wrong type, unknown orders', async () => {
    const event = supplierEvent('evt_neg', 'cb_demo_7001_b1');
    const body = JSON.stringify(event);
    const other = JSON.stringify(supplierEvent('evt_neg', 'cb_demo_7002_b1'));
    const sig = (b: string) => createHmac('sha256', SUPPLIER_SECRET).update(b).digest('hex');
    expect((await sendSupplier(event, { secret: 'not-the-supplier-secret' })).status).toBe(401);
    expect((await sendSupplier(other, { signature: sig(body) })).status).toBe(401);
    expect((await sendSupplier('{"id":')).status).toBe(400);
    expect((await sendSupplier({ ...event, data: { ...event.data, status: 'exploded' } })).status).toBe(400);
    expect((await sendSupplier({ ...event, pad: 'x'.repeat(300 * 1024) })).status).toBe(413);
    expect((await sendSupplier(event, { type: 'text/plain' })).status).toBe(415);
    expect((await sendSupplier(supplierEvent('evt_x', 'not-ours-123'))).status).toBe(404);
    // A well-formed event for an order that has no workflow: 404, and nothing is started.
    expect((await sendSupplier(event)).status).toBe(404);
    expect(await workflowAbsent(stack, fulfillmentWorkflowId('demo', '7001'))).toBe(true);
    expect(await workflowAbsent(stack, fulfillmentWorkflowId('demo', '7002'))).toBe(true);
  });

  it('has one effect when the same supplier event arrives 5 times', async () => {
    stack.sandbox.on('_7003_', { fulfilDelayMs: 4_000 });
    const res = await postWoo(
      stack.apiUrl,
      'demo',
      wooOrder(7003, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }]),
    );
    expect(res.status).toBe(202);
    const id = fulfillmentWorkflowId('demo', '7003');
    await waitFor(
      () => signalsOf(stack, id),
      () => true,
    );
    const event = supplierEvent('evt_dup_7003', 'cb_demo_7003_b1');
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await sendSupplier(event)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const names = await waitFor(
      () => signalsOf(stack, id),
      (n) => n.includes('supplierCallback'),
    );
    expect(names.filter((n) => n === 'supplierCallback')).toHaveLength(1);
    expect(await apiSignals(stack, id)).toEqual(['orderDetails']);
  });
});
