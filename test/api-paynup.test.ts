// Pay'nUp IPN: HS256 JWT bodies signed in the test with the API key, checked for issuer, expiry,
// order and amount; 2xx accepted, 410 refund, 5xx resend.
import { Client, Connection } from '@temporalio/client';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app';
import { createGateway } from '../src/api/gateway';
import { fulfillmentWorkflowId, statusQuery, type FulfillmentStatus } from '../src/shared/contract';
import { loadExceptions } from '../src/api/admin/exceptions';
import { createLogger } from '../src/observability/logger';
import { startStack, type Stack } from './support/stack';
import { postWoo, wooOrder } from './support/woo';
import {
  PAYNUP_API_ID,
  PAYNUP_KEY_NEW,
  PAYNUP_KEY_OLD,
  STANDARD_SECRET_NEW,
  apiSignals,
  errorCode,
  paynupToken,
  post,
  rawHs256,
  standardHeaders,
  standardOrder,
  waitFor,
  workflowAbsent,
} from './support/webhooks';
import { STORE_CACHE_TTL_MS } from '../src/stores/registry';

const storeCacheExpiry = () => new Promise((r) => setTimeout(r, STORE_CACHE_TTL_MS + 200));

const PAYMENT_WAIT_MS = 8_000;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    timeouts: { paymentWaitMs: PAYMENT_WAIT_MS },
    env: {
      STORE_WEBHOOK_SECRETS: JSON.stringify({
        demo: { standard: [STANDARD_SECRET_NEW], woocommerce: ['test-woo-secret-new-0002'] },
      }),
      PAYNUP_API_ID,
      PAYNUP_API_KEYS: `${PAYNUP_KEY_OLD},${PAYNUP_KEY_NEW}`,
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

const url = (store = 'demo') => `${stack.apiUrl}/webhooks/paynup/${store}`;
const wf = (orderId: string) => fulfillmentWorkflowId('demo', orderId);
const handle = (orderId: string) => stack.env.client.workflow.getHandle(wf(orderId));
const pins: string[] = [];

function claims(orderNumber: string, extra: Record<string, unknown> = {}) {
  const pin = `PNUP-${orderNumber}-${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  pins.push(pin);
  return {
    jti: `tx-${orderNumber}`,
    orderNumber,
    amount: '52.99',
    total: '54.50',
    pin,
    status: 'SOLD',
    ...extra,
  };
}

const ipn = (token: string, type = 'application/jwt', to = url()) =>
  post(to, token, { 'Content-Type': type });

/** The storefront's order, unpaid, waiting for Pay'nUp. */
async function unpaidOrder(orderId: string) {
  const body = JSON.stringify(standardOrder(orderId, { paid: false, status: 'pending' }));
  const res = await post(
    `${stack.apiUrl}/webhooks/standard/demo`,
    body,
    standardHeaders(body, { id: `ord_${orderId}` }),
  );
  expect(res.status).toBe(202);
  await waitFor(
    async () => (await handle(orderId).query(statusQuery)).state,
    (s) => s === 'awaiting_payment',
  );
}

describe("Pay'nUp IPN", () => {
  it('SOLD with the matching amount is accepted (200) and pays the waiting order', async () => {
    await unpaidOrder('P-1');
    const res = await ipn(await paynupToken(claims('P-1')));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, workflowId: wf('P-1'), outcome: 'started_or_signalled' });
    const result = (await handle('P-1').result()) as FulfillmentStatus;
    expect(result.state).toBe('delivered');
    expect(await apiSignals(stack, wf('P-1'))).toEqual(['orderDetails', 'paymentReceived']);

    // The later USED notice for a delivered order: accepted, nothing more to do.
    const used = await ipn(await paynupToken(claims('P-1', { status: 'USED' })));
    expect(used.status).toBe(200);
    expect(used.body.outcome).toBe('already_closed');
    expect(await apiSignals(stack, wf('P-1'))).toEqual(['orderDetails', 'paymentReceived']);
  });

  it("USED as the first notice is the payment (the customer's PIN), never a redemption of the delivered code", async () => {
    await unpaidOrder('P-2');
    const res = await ipn(await paynupToken(claims('P-2', { status: 'USED' })));
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('started_or_signalled');
    // A signal sent while a workflow task is in flight is buffered until that task completes.
    const signals = await waitFor(
      () => apiSignals(stack, wf('P-2')),
      (names) => names.length === 2,
    );
    expect(signals).toEqual(['orderDetails', 'paymentReceived']);
    expect((await handle('P-2').query(statusQuery)).redemption).toBe('unknown');
  });

  it('accepts a token signed with the previous API key (rotation)', async () => {
    await unpaidOrder('P-3');
    const res = await ipn(await paynupToken(claims('P-3'), { key: PAYNUP_KEY_OLD }));
    expect(res.status).toBe(200);
  });

  it('rejects a bad signature and a signature over a different payload with 401, signalling nothing', async () => {
    await unpaidOrder('P-4');
    const wrongKey = await ipn(await paynupToken(claims('P-4'), { key: 'an-api-key-we-do-not-have' }));
    const a = (await paynupToken(claims('P-4'))).split('.');
    const b = (await paynupToken(claims('P-4', { amount: '0.01' }))).split('.');
    const swapped = await ipn(`${a[0]}.${b[1]}.${a[2]}`);
    for (const r of [wrongKey, swapped]) {
      expect(r.status).toBe(401);
      expect(errorCode(r)).toBe('bad_signature');
    }
    expect(await apiSignals(stack, wf('P-4'))).toEqual(['orderDetails']);
  });

  it('rejects a bad issuer (401) and an expired token (401), signalling nothing', async () => {
    await unpaidOrder('P-5');
    const issuer = await ipn(await paynupToken(claims('P-5'), { iss: 'SOMEONE-ELSES-API-ID' }));
    expect(issuer.status).toBe(401);
    expect(errorCode(issuer)).toBe('bad_issuer');
    const expired = await ipn(await paynupToken(claims('P-5'), { expSeconds: -3600 }));
    expect(expired.status).toBe(401);
    expect(errorCode(expired)).toBe('token_expired');
    expect(await apiSignals(stack, wf('P-5'))).toEqual(['orderDetails']);
  });

  it('answers 410 on an amount mismatch, signalling nothing', async () => {
    await unpaidOrder('P-6');
    const res = await ipn(await paynupToken(claims('P-6', { amount: '5.00' })));
    expect(res.status).toBe(410);
    expect(errorCode(res)).toBe('amount_mismatch');
    expect(await apiSignals(stack, wf('P-6'))).toEqual(['orderDetails']);
  });

  it('answers 410 for an order cardbridge does not know, starting nothing', async () => {
    const res = await ipn(await paynupToken(claims('P-7')));
    expect(res.status).toBe(410);
    expect(errorCode(res)).toBe('unknown_order');
    expect(await workflowAbsent(stack, wf('P-7'))).toBe(true);
    // Never silent: ops see the payment as an open review case.
    const cases = await stack.db.reviewCase.findMany({ where: { workflowId: wf('P-7') } });
    expect(cases).toEqual([expect.objectContaining({ reasonCode: 'ORDER_MISSING', status: 'open' })]);
  });

  it('answers 410 to a second transaction (new jti) for an order already paid', async () => {
    await unpaidOrder('P-13');
    expect((await ipn(await paynupToken(claims('P-13')))).status).toBe(200);
    const second = await ipn(await paynupToken(claims('P-13', { jti: 'tx-P-13-second' })));
    expect(second.status).toBe(410);
    expect(errorCode(second)).toBe('already_paid');
    expect((await apiSignals(stack, wf('P-13'))).filter((s) => s === 'paymentReceived')).toHaveLength(1);
    // Also once the order was delivered.
    await handle('P-13').result();
    const late = await ipn(await paynupToken(claims('P-13', { jti: 'tx-P-13-third' })));
    expect(late.status).toBe(410);
    expect(errorCode(late)).toBe('already_paid');
  });

  it("refuses a token for one store at another store's URL (keys per store)", async () => {
    const shopB = { apiId: 'SHOPB-API-ID', apiKeys: ['shop-b-paynup-api-key-0001'] };
    const config = {
      ...stack.config,
      paynup: { apiId: '', apiKeys: [] },
      storeSecrets: {
        demo: {
          ...stack.config.storeSecrets.demo!,
          paynup: { apiId: PAYNUP_API_ID, apiKeys: [PAYNUP_KEY_NEW] },
        },
        'shop-b': { woocommerce: [], standard: [], pocketsflow: [], paynup: shopB },
      },
    };
    const app = createApp({
      config,
      gateway: createGateway(stack.env.client, stack.taskQueue, stack.timeouts),
      db: stack.db,
      logger: createLogger({ level: 'silent', name: 'two-stores' }),
      temporalReady: async () => undefined,
    });
    const server: Server = await new Promise((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/paynup`;
    try {
      await unpaidOrder('P-14');
      const forDemo = await paynupToken(claims('P-14'));
      const atB = await ipn(forDemo, 'application/jwt', `${base}/shop-b`);
      expect(atB.status).toBe(401);
      const bKeyDemoIss = await paynupToken(claims('P-14'), { key: shopB.apiKeys[0] });
      expect((await ipn(bKeyDemoIss, 'application/jwt', `${base}/shop-b`)).status).toBe(401);
      expect(await apiSignals(stack, wf('P-14'))).toEqual(['orderDetails']);
      const atDemo = await ipn(forDemo, 'application/jwt', `${base}/demo`);
      expect(atDemo.status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('answers 410 when the order closed without payment (not_paid)', async () => {
    await unpaidOrder('P-8');
    const result = (await handle('P-8').result()) as FulfillmentStatus; // the payment wait runs out
    expect(result.state).toBe('not_paid');
    const res = await ipn(await paynupToken(claims('P-8')));
    expect(res.status).toBe(410);
    expect(errorCode(res)).toBe('order_closed');
    expect(await apiSignals(stack, wf('P-8'))).toEqual(['orderDetails']);
    // Never silent: an open review case, on the exceptions page like any held order.
    const view = await loadExceptions({ db: stack.db, temporal: stack.env.client });
    const row = view.rows.find((r) => r.workflowId === wf('P-8'));
    expect(row).toMatchObject({ kind: 'review', reasonCode: 'PAYMENT_AFTER_CLOSE', orderId: 'P-8' });
    expect(row!.reason).toMatch(/not_paid/);
  }, 30_000);

  it('has one effect when the same notification arrives 5 times', async () => {
    await unpaidOrder('P-9');
    const token = await paynupToken(claims('P-9'));
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await ipn(token));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(replies.slice(1).every((r) => r.body.duplicate === true)).toBe(true);
    expect((await apiSignals(stack, wf('P-9'))).filter((s) => s === 'paymentReceived')).toHaveLength(1);
  });

  it('rejects what is not a usable token with 400: not a JWT, a payload that is not JSON, missing claims', async () => {
    await unpaidOrder('P-10');
    const notJwt = await ipn('this is not a token');
    expect(notJwt.status).toBe(400);
    const notJson = await ipn(rawHs256('{"orderNumber":"P-10",'));
    expect(notJson.status).toBe(400);
    const noOrder = await paynupToken({ jti: 'tx-x', amount: '52.99', status: 'SOLD' });
    const missing = await ipn(noOrder);
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toContain('orderNumber');
    const badStatus = await ipn(await paynupToken(claims('P-10', { status: 'REFUNDED' })));
    expect(badStatus.status).toBe(400);
    expect(await apiSignals(stack, wf('P-10'))).toEqual(['orderDetails']);
  });

  it('rejects oversize (413), wrong content type (415), unknown store (404)', async () => {
    await unpaidOrder('P-11');
    const token = await paynupToken(claims('P-11'));
    expect((await ipn(`${token}${'A'.repeat(300 * 1024)}`)).status).toBe(413);
    expect((await ipn(token, 'application/json')).status).toBe(415);
    expect((await ipn(token, 'application/jwt', url('nosuchstore'))).status).toBe(404);
    expect(await apiSignals(stack, wf('P-11'))).toEqual(['orderDetails']);
    expect(await workflowAbsent(stack, fulfillmentWorkflowId('nosuchstore', 'P-11'))).toBe(true);
  });

  it('answers 5xx when Temporal is unavailable (not recorded), and accepts the re-send later', async () => {
    await unpaidOrder('P-12');
    // The same app, wired to a Temporal frontend that is not there.
    // No retry interceptor: a call fails at once instead of retrying for many seconds.
    const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500, interceptors: [] });
    const deadGateway = createGateway(new Client({ connection }), stack.taskQueue, stack.timeouts);
    const app = createApp({
      config: stack.config,
      gateway: deadGateway,
      db: stack.db,
      logger: createLogger({ level: 'silent', name: 'dead-temporal' }),
      temporalReady: () => Promise.reject(new Error('down')),
    });
    const server: Server = await new Promise((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    try {
      const token = await paynupToken(claims('P-12'));
      const down = await ipn(
        token,
        'application/jwt',
        `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/paynup/demo`,
      );
      expect(down.status).toBe(503);
      expect(await apiSignals(stack, wf('P-12'))).toEqual(['orderDetails']);
      const resent = await ipn(token);
      expect(resent.status).toBe(200);
      expect(resent.body.duplicate).toBeUndefined();
      expect(await apiSignals(stack, wf('P-12'))).toEqual(['orderDetails', 'paymentReceived']);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await connection.close().catch(() => undefined);
    }
  }, 60_000);

  it('never writes a PIN into the logs', () => {
    const logs = stack.logs.text();
    expect(pins.length).toBeGreaterThan(5);
    for (const pin of pins) expect(logs).not.toContain(pin);
  });

  it("a WooCommerce store paid through Pay'nUp: pending orders are forwarded when the store says so", async () => {
    const pending = (id: number) =>
      wooOrder(id, [{ sku: 'PSN-US-50', quantity: 1, total: '52.99' }], {
        status: 'pending',
        payment_method: 'paynup',
        date_paid: null,
      });
    // Without the setting, a pending WooCommerce order starts nothing and Pay'nUp is told 410.
    const plain = 880_001 + Math.floor(Math.random() * 1000);
    expect((await postWoo(stack.apiUrl, 'demo', pending(plain))).status).toBe(200);
    expect((await ipn(await paynupToken(claims(String(plain))))).status).toBe(410);

    const settings = (await stack.db.store.findUniqueOrThrow({ where: { id: 'demo' } })).settings as object;
    await stack.db.store.update({
      where: { id: 'demo' },
      data: { settings: { ...settings, forwardPendingOrders: true } },
    });
    await storeCacheExpiry(); // the API caches store settings for a short TTL
    try {
      const id = plain + 1;
      const forwarded = await postWoo(stack.apiUrl, 'demo', pending(id));
      expect(forwarded.status).toBe(202);
      await waitFor(
        async () => (await handle(String(id)).query(statusQuery)).state,
        (state) => state === 'awaiting_payment',
      );
      const res = await ipn(await paynupToken(claims(String(id))));
      expect(res.status).toBe(200);
      expect(((await handle(String(id)).result()) as FulfillmentStatus).state).toBe('delivered');
    } finally {
      await stack.db.store.update({ where: { id: 'demo' }, data: { settings } });
      await storeCacheExpiry();
    }
  });
});
