// The recovery sweep against the real stack: a WooCommerce store fake that delivers webhooks as
// WooCommerce does (once, never again; disabled after repeated failures) and serves its REST
// order list; the real API, worker, Temporal dev server and a Schedule per store.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPocketsflowClients, createWooCommerceClients } from '../src/storefront';
import type { SweepResult } from '../src/activities/sweep';
import { ensureSweepSchedules } from '../src/ops/schedule';
import { fulfillmentWorkflowId, orderDetailsSignal, statusQuery } from '../src/shared/contract';
import { sweepScheduleId } from '../src/shared/sweep';
import { newOrderId, ordersCreated, result } from './support/orders';
import { ROOT, startStack, type Stack } from './support/stack';
import { startWooCommerceFake } from './support/woocommerce-fake';
import { startPocketsflowFake } from './support/pocketsflow-fake';
import { wooOrder } from './support/woo';
import { waitFor, workflowAbsent } from './support/webhooks';

const run = promisify(execFile);
const CREDS = { consumerKey: 'ck_sweep_0123456789', consumerSecret: 'cs_sweep_0123456789' };
const SECRET = 'test-woo-secret-new-0002';
let stack: Stack;
let shop: Awaited<ReturnType<typeof startWooCommerceFake>>;
let pocketsflow: Awaited<ReturnType<typeof startPocketsflowFake>>;
const PF_KEY = 'pk_test_sweep_0123456789';

beforeAll(async () => {
  shop = await startWooCommerceFake(CREDS);
  pocketsflow = await startPocketsflowFake(PF_KEY);
  const credentials = {
    shop: { kind: 'woocommerce' as const, ...CREDS },
    pay: { kind: 'pocketsflow' as const, apiKey: PF_KEY, baseUrl: pocketsflow.url },
  };
  stack = await startStack({
    env: { STOREFRONT_CREDENTIALS: JSON.stringify(credentials) },
    wooCommerce: (db) => createWooCommerceClients({ db, credentials, timeoutMs: 5_000 }),
    pocketsflow: (db) => createPocketsflowClients({ db, credentials, timeoutMs: 5_000 }),
  });
  await stack.db.store.update({
    where: { id: 'demo' },
    data: { storefrontUrl: shop.url, credentialsRef: 'shop' },
  });
});
afterAll(async () => {
  await stack?.stop();
  await shop?.stop();
  await pocketsflow?.stop();
});

async function eventTypes(workflowId: string): Promise<string[]> {
  const rows = await stack.db.fulfillmentEvent.findMany({
    where: { order: { workflowId } },
    orderBy: { id: 'asc' },
  });
  return rows.map((r) => r.type);
}

async function sweepOnce() {
  const handle = await stack.env.client.workflow.start('sweepStore', {
    taskQueue: stack.taskQueue,
    workflowId: `sweep-test-${newOrderId()}`,
    args: [{ storeId: 'demo' }],
  });
  return (await handle.result()) as SweepResult;
}

describe('recovery sweep', () => {
  it('delivers a paid order whose only webhook never reached the API, and says so in its event log', async () => {
    // The API is unreachable for this one delivery (as while it restarts); WooCommerce never re-sends.
    const hook = shop.addWebhook({
      topic: 'order.created',
      deliveryUrl: 'http://127.0.0.1:9/webhooks/woocommerce/demo',
      secret: SECRET,
    });
    const id = newOrderId();
    await shop.saveOrder(wooOrder(id, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }]));
    expect(shop.deliveries.filter((d) => d.orderId === id).map((d) => d.status)).toEqual([0]);
    hook.status = 'paused';

    const workflowId = fulfillmentWorkflowId('demo', String(id));
    const swept = await sweepOnce();
    expect(swept.recovered).toContain(String(id));
    const r = await result(stack, workflowId);
    expect(r.state).toBe('delivered');
    expect(await eventTypes(workflowId)).toContain('order.recovered_by_sweep');
    const row = await stack.db.storefrontSweep.findUniqueOrThrow({ where: { storeId: 'demo' } });
    expect(row.recovered).toBeGreaterThanOrEqual(1);

    // A second sweep over the same change starts nothing new and buys nothing twice.
    const again = await sweepOnce();
    expect(again.recovered).not.toContain(String(id));
    expect(ordersCreated(stack, r.batches[0]!.clientOrderId)).toBe(1);
    const codes = await stack.db.deliveredCode.count({ where: { order: { workflowId } } });
    expect(codes).toBe(1);
  });

  it('reports a webhook WooCommerce disabled after repeated failures', async () => {
    for (const w of shop.webhooks) w.status = 'paused';
    const hook = shop.addWebhook({
      topic: 'order.created',
      deliveryUrl: `${stack.apiUrl}/webhooks/woocommerce/demo`,
      secret: 'not-the-store-secret-000',
    });
    // Bad signature: 401 each time. WooCommerce disables the webhook after more than 5 in a row.
    for (let i = 0; i < 7; i++)
      await shop.saveOrder(wooOrder(newOrderId(), [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }]));
    expect(hook.status).toBe('disabled');
    const swept = await sweepOnce();
    expect(swept.webhookStatus).toBe('disabled');
    const row = await stack.db.storefrontSweep.findUniqueOrThrow({ where: { storeId: 'demo' } });
    expect(row.webhookStatus).toBe('disabled');
    // The orders WooCommerce could not deliver were all found by the sweep.
    expect(swept.recovered.length).toBe(7);

    // Ops see it in `stuck`, with the way to re-activate the webhook.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/ops/cli.ts', 'stuck'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATABASE_URL: stack.database.url,
        TEMPORAL_ADDRESS: stack.env.address,
        TEMPORAL_TASK_QUEUE: stack.taskQueue,
      },
    });
    expect(stdout).toMatch(/ALERT store demo: its WooCommerce webhook to cardbridge is disabled/);
    expect(stdout).toContain('"status":"active"');
  });

  it('runs from its Schedule: a never-sent order is delivered within one interval', async () => {
    for (const w of shop.webhooks) w.status = 'disabled';
    const id = newOrderId();
    await shop.saveOrder(wooOrder(id, [{ sku: 'PSN-US-25', quantity: 1, total: '26.99' }]));
    const savedAt = Date.now();
    await ensureSweepSchedules(stack.env.client, {
      taskQueue: stack.taskQueue,
      stores: [{ storeId: 'demo', intervalMs: 5_000 }],
    });
    const workflowId = fulfillmentWorkflowId('demo', String(id));
    const started = await waitFor(
      () => workflowAbsent(stack, workflowId),
      (absent) => !absent,
      30_000,
    );
    expect(started).toBe(false);
    const r = await result(stack, workflowId);
    expect(r.state).toBe('delivered');
    const recoveryMs = Date.now() - savedAt;
    console.log(`recovery time from a never-sent webhook to delivery: ${recoveryMs} ms (interval 5 s)`);
    expect(recoveryMs).toBeLessThan(30_000);
    await stack.env.client.schedule.getHandle(sweepScheduleId('demo')).delete();
  });

  it('finds a Pocketsflow payment whose webhook was lost, matched on metadata.woocommerce_order_id', async () => {
    for (const w of shop.webhooks) w.status = 'disabled';
    const settings = (await stack.db.store.findUniqueOrThrow({ where: { id: 'demo' } })).settings as object;
    await stack.db.store.update({
      where: { id: 'demo' },
      data: { settings: { ...settings, pocketsflowCredentialsRef: 'pay' } },
    });
    // An order paid through Pocketsflow: WooCommerce has it unpaid (pending); only the
    // gateway's order.completed would pay it, and that webhook never arrives.
    const id = newOrderId();
    const workflowId = fulfillmentWorkflowId('demo', String(id));
    await stack.env.client.workflow.signalWithStart('fulfillOrder', {
      workflowId,
      taskQueue: stack.taskQueue,
      args: [{ storeId: 'demo', orderId: String(id), timeouts: stack.timeouts }],
      signal: orderDetailsSignal,
      signalArgs: [
        {
          channel: 'woocommerce',
          status: 'pending',
          paid: false,
          currency: 'USD',
          total: '10.99',
          riskFlags: [],
          lines: [{ lineNo: 1, sku: 'PSN-US-10', quantity: 1, unitPrice: '10.99' }],
          eventId: `woo-pending-${id}`,
        },
      ],
    });
    pocketsflow.complete(`pf_${id}`, id, 10.99);
    pocketsflow.complete(`pf_other_${id}`, id + 100_000, 5); // an order cardbridge never saw

    const swept = await sweepOnce();
    expect(swept.payments).toContain(String(id));
    expect((await result(stack, workflowId)).state).toBe('delivered');
    // The webhook's own event id: a late webhook, or the next sweep, is a duplicate.
    const receipt = await stack.db.webhookReceipt.findFirst({
      where: { provider: 'pocketsflow', eventId: `pocketsflow:demo:pf_${id}:order.completed` },
    });
    expect(receipt).not.toBeNull();
    expect((await sweepOnce()).payments).toEqual([]);
    // A payment for an order cardbridge never saw waits for its order, as a webhook's would
    // (ORDER_MISSING review after the payment wait).
    const other = stack.env.client.workflow.getHandle(fulfillmentWorkflowId('demo', String(id + 100_000)));
    expect((await other.query(statusQuery)).state).toBe('awaiting_order');
    await other.terminate('test done');
    expect(pocketsflow.calls.length).toBeGreaterThan(0);
    expect(pocketsflow.calls.every((c) => c.status === 200)).toBe(true);
  });
});
