// What the store does after payment, end to end: a WooCommerce store fake that saves orders and
// delivers its webhooks the way WooCommerce does, the real API, worker, Temporal dev server and
// sandbox supplier. Cancel before buying, refund while the supplier works, edit before buying,
// cash on delivery.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fulfillmentWorkflowId } from '../src/shared/contract';
import { newOrderId, ordersCreated, result, waitForState } from './support/orders';
import { keepHistory, saveKeptHistories } from './support/replay';
import { startStack, type Stack } from './support/stack';
import { waitFor, workflowAbsent } from './support/webhooks';
import { wooOrder } from './support/woo';
import { startWooCommerceFake } from './support/woocommerce-fake';

const CREDS = { consumerKey: 'ck_life_0123456789', consumerSecret: 'cs_life_0123456789' };
let stack: Stack;
let shop: Awaited<ReturnType<typeof startWooCommerceFake>>;

beforeAll(async () => {
  shop = await startWooCommerceFake(CREDS);
  stack = await startStack({ timeouts: { supplierWebhookWaitMs: 2_000, supplierMaxWaitMs: 60_000 } });
  for (const topic of ['order.created', 'order.updated']) {
    shop.addWebhook({
      topic,
      deliveryUrl: `${stack.apiUrl}/webhooks/woocommerce/demo`,
      secret: 'test-woo-secret-new-0002',
    });
  }
});
afterAll(async () => {
  if (stack) await saveKeptHistories(stack);
  await stack?.stop();
  await shop?.stop();
});

const clientOrderId = (id: number) => `cb_demo_${id}_b1`;
const delivered = (id: number) => shop.deliveries.filter((d) => d.orderId === id).map((d) => d.status);

describe('the store after payment', () => {
  it('a risk-held order the store cancels ends cancelled, nothing bought', async () => {
    const id = newOrderId();
    const order = wooOrder(id, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }], {
      meta_data: [{ key: 'risk_flags', value: 'fraud' }],
    });
    await shop.saveOrder(order);
    const workflowId = fulfillmentWorkflowId('demo', String(id));
    await waitForState(stack, workflowId, 'in_review');
    await shop.saveOrder({ ...order, status: 'cancelled' });
    const r = await result(stack, workflowId);
    expect(r.state).toBe('cancelled');
    expect(r.reasons.map((x) => x.code)).toEqual(['STOREFRONT_CANCELLED']);
    expect(ordersCreated(stack, clientOrderId(id))).toBe(0);
    // Every delivery was answered 2xx: nothing counts towards disabling the webhook.
    expect(delivered(id).every((s) => s >= 200 && s < 300)).toBe(true);
    keepHistory('storefront-cancelled-in-review', workflowId);
  });

  it('a refund while the supplier works holds for review; the codes are never emailed', async () => {
    const id = newOrderId();
    stack.sandbox.on(`_${id}_`, { fulfilDelayMs: 4_000 });
    const order = wooOrder(id, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }]);
    await shop.saveOrder(order);
    const workflowId = fulfillmentWorkflowId('demo', String(id));
    await waitForState(stack, workflowId, 'awaiting_supplier');
    await shop.saveOrder({ ...order, status: 'refunded' });
    const held = await waitForState(stack, workflowId, 'in_review', 30_000, (s) =>
      s.reasons.some((r) => r.code === 'STOREFRONT_REFUNDED'),
    );
    expect(held.reasons[0]!.message).toMatch(/refunded after its codes were bought/);
    // The supplier completes later: the code is stored, still not sent.
    await waitForState(stack, workflowId, 'in_review', 30_000, (s) => s.lines[0]!.delivered === 1);
    const emails = await stack.db.notification.count({
      where: { order: { workflowId }, channel: 'email', template: 'delivered' },
    });
    expect(emails).toBe(0);
    expect(ordersCreated(stack, clientOrderId(id))).toBe(1);
    const handle = stack.env.client.workflow.getHandle(workflowId);
    await handle.executeUpdate('reviewDecision', { args: [{ action: 'cancel', by: 'ops' }] });
    expect((await result(stack, workflowId)).state).toBe('cancelled');
    keepHistory('storefront-refunded-after-buying', workflowId);
    keepHistory('folded-storefront-refunded-after-buying', workflowId); // bookkeeping with the effects
  });

  it('an edit before buying is bought as edited', async () => {
    const id = newOrderId();
    const order = wooOrder(id, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }], {
      meta_data: [{ key: 'risk_flags', value: 'fraud' }],
    });
    await shop.saveOrder(order);
    const workflowId = fulfillmentWorkflowId('demo', String(id));
    await waitForState(stack, workflowId, 'in_review');
    // The merchant removes the flag and changes the quantity; a person approves.
    const edited = wooOrder(id, [{ sku: 'PSN-US-10', quantity: 2, total: '21.98' }]);
    await shop.saveOrder(edited);
    await stack.env.client.workflow
      .getHandle(workflowId)
      .executeUpdate('reviewDecision', { args: [{ action: 'retry', by: 'ops' }] });
    const r = await result(stack, workflowId);
    expect(r.state).toBe('delivered');
    expect(r.lines[0]!.delivered).toBe(2);
  });

  it('cash on delivery is not bought until the store marks it completed', async () => {
    const id = newOrderId();
    const order = wooOrder(id, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }], {
      payment_method: 'cod',
    });
    await shop.saveOrder(order);
    const workflowId = fulfillmentWorkflowId('demo', String(id));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await workflowAbsent(stack, workflowId)).toBe(true);
    await shop.saveOrder({ ...order, status: 'completed' });
    await waitFor(
      () => workflowAbsent(stack, workflowId),
      (absent) => !absent,
    );
    expect((await result(stack, workflowId)).state).toBe('delivered');
  });
});
