// Every branch of fulfillOrder against the real stack: Temporal dev server, database, sandbox
// supplier over HTTP, API over HTTP. Timeouts are short (see TEST_TIMEOUTS).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fulfillmentWorkflowId,
  paymentReceivedSignal,
  orderDetailsSignal,
  type OrderDetails,
} from '../src/shared/contract';
import { heardBy } from '../src/temporal/history';
import type { fulfillOrder } from '../src/workflows';
import { keepHistory, saveKeptHistories } from './support/replay';
import { waitFor } from './support/webhooks';
import { startStack, type Stack } from './support/stack';
import {
  decide,
  newOrderId,
  ordersCreated,
  placeOrder,
  psnOrder,
  rejectedDecision,
  result,
  waitForState,
} from './support/orders';

let stack: Stack;
beforeAll(async () => {
  // A stuck batch goes to review after 5 s here (10 s elsewhere): seven tests wait it out.
  stack = await startStack({ timeouts: { reviewReminderMs: 1_500, supplierMaxWaitMs: 5_000 } });
});
afterAll(async () => {
  if (stack) await saveKeptHistories(stack);
  await stack?.stop();
});

const US50 = { sku: 'PSN-US-50', quantity: 1, total: '52.99' };

/** One PSN-US-50, paid, as the API forwards a Standard Webhooks order (event id `e-<orderId>`). */
const standardOrder = (orderId: string, over: Partial<OrderDetails> = {}): OrderDetails =>
  psnOrder({ channel: 'standard', eventId: `e-${orderId}`, ...over });
const US10x2 = { sku: 'PSN-US-10', quantity: 2, total: '21.98' };

describe('supplier webhook handling', () => {
  it('keeps a webhook that arrives before the order call returns', async () => {
    const id = newOrderId();
    stack.sandbox.on(`_${id}_`, { webhook: 'beforeResponse' });
    const o = await placeOrder(stack, [US50], {}, id);
    const r = await result(stack, o.workflowId);
    expect(r.state).toBe('delivered');
    expect(r.lines[0]!.delivered).toBe(1);
    expect(ordersCreated(stack, o.clientOrderId())).toBe(1);
    keepHistory('webhook-before-response', o.workflowId);
    keepHistory('folded-webhook-before-response', o.workflowId); // bookkeeping with the effects
    keepHistory('local-webhook-before-response', o.workflowId); // database writes as local activities
    keepHistory('opening-webhook-before-response', o.workflowId); // started with the order in its input
  });

  it('ignores duplicated and stale (reordered) webhooks', async () => {
    const dupId = newOrderId();
    const oldId = newOrderId();
    stack.sandbox.on(`_${dupId}_`, { webhook: 'duplicate' });
    stack.sandbox.on(`_${oldId}_`, { webhook: 'reorder' });
    const dup = await placeOrder(stack, [US10x2], {}, dupId);
    const old = await placeOrder(stack, [US10x2], {}, oldId);
    for (const o of [dup, old]) {
      const r = await result(stack, o.workflowId);
      expect(r.state).toBe('delivered');
      expect(r.lines[0]!.delivered).toBe(2);
      const rows = await stack.db.deliveredCode.count({ where: { order: { workflowId: o.workflowId } } });
      expect(rows).toBe(2);
      expect(ordersCreated(stack, o.clientOrderId())).toBe(1);
    }
  });

  it('finds a completed order by polling when its webhook is lost', async () => {
    const id = newOrderId();
    stack.sandbox.on(`_${id}_`, { webhook: 'drop' });
    const o = await placeOrder(stack, [US50], {}, id);
    const r = await result(stack, o.workflowId);
    expect(r.state).toBe('delivered');
    expect(r.batches[0]!.state).toBe('delivered');
    expect(stack.sandbox.stats.webhooksSent).toBeGreaterThan(0); // others' webhooks went out; this one was dropped
    expect(ordersCreated(stack, o.clientOrderId())).toBe(1);
  });
});

describe('supplier faults', () => {
  it('retries 5xx and places exactly one order', async () => {
    const id = newOrderId();
    stack.sandbox.on(`_${id}_`, { fail5xx: { times: 2, status: 503 } });
    const o = await placeOrder(stack, [US50], {}, id);
    const r = await result(stack, o.workflowId);
    expect(r.state).toBe('delivered');
    const calls = stack.sandbox.stats.orderCalls.filter((c) => c.externalOrderId === o.clientOrderId());
    expect(calls.map((c) => c.status)).toEqual([503, 503, 201]);
    expect(ordersCreated(stack, o.clientOrderId())).toBe(1);
  });

  it('waits out a 429 for its Retry-After', async () => {
    const id = newOrderId();
    stack.sandbox.on(`_${id}_`, { rateLimit: { times: 1, retryAfterSec: 3 } });
    const o = await placeOrder(stack, [US50], {}, id);
    expect((await result(stack, o.workflowId)).state).toBe('delivered');
    const calls = stack.sandbox.stats.orderCalls.filter((c) => c.externalOrderId === o.clientOrderId());
    expect(calls.map((c) => c.status)).toEqual([429, 201]);
    // The default backoff would retry after 2 s; Retry-After said 3 s.
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(2_900);
    keepHistory('rate-limited', o.workflowId);
  });

  it('sends a 4xx rejection to review without retrying', async () => {
    const id = newOrderId();
    stack.sandbox.on(`_${id}_`, { reject: { status: 422, message: 'product discontinued' } });
    const o = await placeOrder(stack, [US50], {}, id);
    const s = await waitForState(stack, o.workflowId, 'in_review');
    expect(s.reasons[0]).toMatchObject({ code: 'SUPPLIER_REJECTED' });
    expect(s.reasons[0]!.message).toContain('product discontinued');
    expect(
      stack.sandbox.stats.orderCalls.filter((c) => c.externalOrderId === o.clientOrderId()),
    ).toHaveLength(1);
    await decide(stack, o.workflowId, { action: 'cancel', by: 'test' });
    expect((await result(stack, o.workflowId)).state).toBe('cancelled');
  });

  it('resolves an ambiguous timeout by looking the order up, never re-sending it', async () => {
    const id = newOrderId();
    // The supplier creates the order but answers after our 5 s call timeout, and (to make a
    // duplicate visible) it would not deduplicate a re-send by Idempotency-Key.
    stack.sandbox.on(`_${id}_`, { hangAfterCreateMs: 7_000, ignoreIdempotencyKey: true });
    const o = await placeOrder(stack, [US50], {}, id);
    const r = await result(stack, o.workflowId);
    expect(r.state).toBe('delivered');
    expect(ordersCreated(stack, o.clientOrderId())).toBe(1);
    expect(
      stack.sandbox.stats.orderCalls.filter((c) => c.externalOrderId === o.clientOrderId()),
    ).toHaveLength(1);
    keepHistory('ambiguous-timeout', o.workflowId);
  });

  it('never re-sends an order call that lands after our timeout (the supplier ignores Idempotency-Key)', async () => {
    const id = newOrderId();
    // The supplier holds the order call 6 s before creating it, past our 3 s HTTP timeout and
    // past the retry's lookup: a re-send would create a second order.
    stack.sandbox.on(`_${id}_`, { createDelayMs: 6_000, ignoreIdempotencyKey: true });
    const o = await placeOrder(stack, [US50], {}, id);
    const r = await result(stack, o.workflowId);
    expect(r.state).toBe('delivered');
    expect(ordersCreated(stack, o.clientOrderId())).toBe(1);
    expect(
      stack.sandbox.stats.orderCalls.filter((c) => c.externalOrderId === o.clientOrderId()),
    ).toHaveLength(1);
    keepHistory('order-outcome-unknown', o.workflowId);
    keepHistory('folded-order-outcome-unknown', o.workflowId); // bookkeeping with the effects
  });
});

describe('webhook never arrives: poll, then review, then each decision', () => {
  async function stuckOrder(lines = [US50]) {
    const id = newOrderId();
    stack.sandbox.on(`_${id}_b1`, { outcome: 'pending' });
    const o = await placeOrder(stack, lines, {}, id);
    const s = await waitForState(stack, o.workflowId, 'in_review', 45_000, (x) =>
      x.customerNotices.includes('review'),
    );
    expect(s.reasons[0]!.code).toBe('SUPPLIER_TIMEOUT');
    // The customer heard "processing" while we waited, then "under review"; never "failed".
    expect(s.customerNotices).toEqual(['processing', 'review']);
    return o;
  }

  it('retry places a new batch and delivers', async () => {
    const o = await stuckOrder();
    const after = await decide(stack, o.workflowId, { action: 'retry', by: 'ops@test' });
    expect(after.state).not.toBe('in_review');
    const r = await result(stack, o.workflowId);
    expect(r.state).toBe('delivered');
    expect(r.batches.map((b) => b.clientOrderId)).toEqual([o.clientOrderId(1), o.clientOrderId(2)]);
    expect(r.decisions[0]).toMatchObject({ action: 'retry', by: 'ops@test' });
    const review = await stack.db.reviewCase.findFirstOrThrow({ where: { workflowId: o.workflowId } });
    expect(review).toMatchObject({ status: 'decided', decision: 'retry', reasonCode: 'SUPPLIER_TIMEOUT' });
    keepHistory('timeout-review-retry', o.workflowId);
    keepHistory('folded-timeout-review-retry', o.workflowId); // bookkeeping with the effects
    keepHistory('local-timeout-review-retry', o.workflowId); // database writes as local activities
  });

  it('markDelivered stores the codes given by hand, after the validator checks them', async () => {
    const o = await stuckOrder();
    expect(
      await rejectedDecision(stack, o.workflowId, { action: 'markDelivered', by: 'ops', codes: [] }),
    ).toContain('needs exactly 1 code');
    expect(await rejectedDecision(stack, o.workflowId, { action: 'retry', by: '' })).toContain('who made it');
    await decide(stack, o.workflowId, {
      action: 'markDelivered',
      by: 'ops',
      codes: [{ lineNo: 1, codes: [{ code: 'HAND-MADE-CODE-0042' }] }],
    });
    const r = await result(stack, o.workflowId);
    expect(r.state).toBe('delivered');
    expect(r.lines[0]!.masked).toEqual(['****-0042']);
    keepHistory('timeout-review-mark-delivered', o.workflowId);
  });

  it('refund with nothing delivered refunds', async () => {
    const o = await stuckOrder();
    await decide(stack, o.workflowId, { action: 'refund', by: 'ops' });
    const r = await result(stack, o.workflowId);
    expect(r.state).toBe('refunded');
    expect(r.customerNotices).toContain('refunded');
  });

  it('cancel closes the order, and a decision on a closed order is rejected', async () => {
    const o = await stuckOrder();
    await decide(stack, o.workflowId, { action: 'cancel', by: 'ops', note: 'customer asked' });
    expect((await result(stack, o.workflowId)).state).toBe('cancelled');
    await expect(decide(stack, o.workflowId, { action: 'retry', by: 'ops' })).rejects.toThrow();
  });

  it('resumes by itself when the supplier completes the batch late', async () => {
    const o = await stuckOrder();
    await stack.sandbox.settle(o.clientOrderId(1));
    const r = await result(stack, o.workflowId);
    expect(r.state).toBe('delivered');
    expect(r.decisions).toEqual([expect.objectContaining({ action: 'retry', by: 'supplier' })]);
    expect(r.batches).toHaveLength(1);
    keepHistory('timeout-review-late-delivery', o.workflowId);
  });

  it('retry looks the pending batch up before buying again', async () => {
    const o = await stuckOrder();
    // The supplier completes batch 1 but its webhook is lost; then ops press retry.
    await stack.sandbox.settle(o.clientOrderId(1), 'delivered', { webhook: false });
    await decide(stack, o.workflowId, { action: 'retry', by: 'ops' });
    const r = await result(stack, o.workflowId);
    expect(r.state).toBe('delivered');
    expect(r.batches).toHaveLength(1);
    expect(ordersCreated(stack, o.clientOrderId(2))).toBe(0);
  });

  it('reminds ops when nobody decides', async () => {
    const o = await stuckOrder();
    // reviewReminderMs is 1.5 s in this file.
    await new Promise((r) => setTimeout(r, 4_000));
    const s = await waitForState(stack, o.workflowId, 'in_review');
    expect(s.review!.reminders).toBeGreaterThanOrEqual(1);
    const review = await stack.db.reviewCase.findFirstOrThrow({ where: { workflowId: o.workflowId } });
    expect(review.note).toMatch(/^reminder \d+ sent/);
    await decide(stack, o.workflowId, { action: 'cancel', by: 'ops' });
  });
});

describe('partial fulfilment and refunds', () => {
  it('re-orders only the missing units after a partial delivery', async () => {
    const id = newOrderId();
    stack.sandbox.on(`_${id}_b1`, { outcome: 'partial' });
    const o = await placeOrder(stack, [US50, { sku: 'PSN-US-10', quantity: 4, total: '43.96' }], {}, id);
    const s = await waitForState(stack, o.workflowId, 'in_review');
    expect(s.reasons[0]!.code).toBe('PARTIAL_DELIVERY');
    expect(s.lines.map((l) => [l.lineNo, l.delivered, l.quantity])).toEqual([
      [1, 1, 1],
      [2, 2, 4],
    ]);
    await decide(stack, o.workflowId, { action: 'retry', by: 'ops' });
    const r = await result(stack, o.workflowId);
    expect(r.state).toBe('delivered');
    expect(r.lines.map((l) => l.delivered)).toEqual([1, 4]);
    // Batch 2 asked only for the two missing PSN-US-10 codes.
    const batch2 = await fetch(`${stack.sandboxUrl}/api/v1/orders?externalOrderId=${o.clientOrderId(2)}`, {
      headers: { 'X-API-Key': 'test-supplier-key' },
    }).then((x) => x.json() as Promise<{ orders: { lines: { sku: string; quantity: number }[] }[] }>);
    expect(batch2.orders[0]!.lines).toEqual([expect.objectContaining({ sku: 'PSN-US-10', quantity: 2 })]);
    expect(await stack.db.deliveredCode.count({ where: { order: { workflowId: o.workflowId } } })).toBe(5);
    keepHistory('partial-then-retry', o.workflowId);
    keepHistory('folded-partial-then-retry', o.workflowId); // bookkeeping with the effects
    keepHistory('local-partial-then-retry', o.workflowId); // database writes as local activities
  });

  it('does not auto-refund when a delivered code was redeemed', async () => {
    const id = newOrderId();
    stack.sandbox.on(`_${id}_b1`, { outcome: 'partial', redeemed: true });
    const o = await placeOrder(stack, [{ sku: 'PSN-US-10', quantity: 2, total: '21.98' }], {}, id);
    await waitForState(stack, o.workflowId, 'in_review');
    await decide(stack, o.workflowId, { action: 'refund', by: 'ops' });
    const s = await waitForState(stack, o.workflowId, 'in_review');
    expect(s.reasons[0]!.code).toBe('REFUND_CODE_USED');
    expect(s.redemption).toBe('used');
    await decide(stack, o.workflowId, { action: 'cancel', by: 'ops' });
    expect((await result(stack, o.workflowId)).state).toBe('cancelled');
    keepHistory('refund-code-used', o.workflowId);
  });

  it('sends an unknown redemption state to review instead of refunding', async () => {
    const id = newOrderId();
    stack.sandbox.on(`_${id}_b1`, { outcome: 'partial', redeemed: null });
    const o = await placeOrder(stack, [{ sku: 'PSN-US-10', quantity: 2, total: '21.98' }], {}, id);
    await waitForState(stack, o.workflowId, 'in_review');
    await decide(stack, o.workflowId, { action: 'refund', by: 'ops' });
    const s = await waitForState(stack, o.workflowId, 'in_review');
    expect(s.reasons[0]!.code).toBe('REFUND_UNKNOWN_REDEMPTION');
    await decide(stack, o.workflowId, { action: 'cancel', by: 'ops' });
  });

  it('sends a supplier charge above the price paid to review; acceptCost delivers, recorded with who', async () => {
    const id = newOrderId();
    // A 10-unit card the supplier bills at 50: a loss the reconcile step must catch.
    stack.sandbox.on(`_${id}_`, { unitCost: '50.00' });
    const o = await placeOrder(stack, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }], {}, id);
    const s = await waitForState(stack, o.workflowId, 'in_review');
    expect(s.reasons[0]!.code).toBe('COST_ABOVE_PAID');
    expect(s.reasons[0]!.message).toContain('50.00');
    // The codes are bought: "retry" has nothing to do, and says so; acceptCost delivers them.
    expect(await rejectedDecision(stack, o.workflowId, { action: 'retry', by: 'ops' })).toMatch(
      /Nothing is left/,
    );
    await decide(stack, o.workflowId, { action: 'acceptCost', by: 'alice', note: 'coupon campaign' });
    const r = await result(stack, o.workflowId);
    expect(r.state).toBe('delivered');
    expect(r.decisions.map((d) => [d.action, d.by])).toEqual([['acceptCost', 'alice']]);
    expect(ordersCreated(stack, o.clientOrderId())).toBe(1);
  });
});

describe('eligibility', () => {
  it('holds a wrong-region order for review and places no supplier order', async () => {
    const o = await placeOrder(stack, [US50], { meta_data: [{ key: 'psn_account_region', value: 'GB' }] });
    const s = await waitForState(stack, o.workflowId, 'in_review');
    expect(s.reasons.map((r) => r.code)).toEqual(['REGION_MISMATCH']);
    expect(s.reasons[0]!.message).toContain('US card');
    expect(ordersCreated(stack, o.clientOrderId())).toBe(0);
    // Ops confirm the customer has a US account: the approval is remembered and the order proceeds.
    await decide(stack, o.workflowId, { action: 'retry', by: 'ops', note: 'customer confirmed US account' });
    expect((await result(stack, o.workflowId)).state).toBe('delivered');
    keepHistory('wrong-region-approved', o.workflowId);
  });

  it('holds an unmapped SKU until the mapping exists', async () => {
    const sku = `PSN-NEW-${newOrderId()}`;
    const o = await placeOrder(stack, [{ sku, quantity: 1, total: '52.99' }]);
    const s = await waitForState(stack, o.workflowId, 'in_review');
    expect(s.reasons[0]).toMatchObject({ code: 'SKU_UNMAPPED', lineNo: 1 });
    expect(ordersCreated(stack, o.clientOrderId())).toBe(0);
    await stack.db.skuMapping.create({
      data: {
        storeId: 'demo',
        sku,
        version: 1,
        supplierProduct: 'PSN-US-50',
        region: 'US',
        currency: 'USD',
        denomination: '50',
        price: '52.99',
        active: true,
        changedBy: 'test',
      },
    });
    await decide(stack, o.workflowId, { action: 'retry', by: 'ops' });
    expect((await result(stack, o.workflowId)).state).toBe('delivered');
  });

  it('holds a risk-flagged order', async () => {
    const o = await placeOrder(stack, [US50], { meta_data: [{ key: 'risk_flags', value: 'fraud' }] });
    const s = await waitForState(stack, o.workflowId, 'in_review');
    expect(s.reasons[0]!.code).toBe('RISK_FLAG');
    await decide(stack, o.workflowId, { action: 'cancel', by: 'ops' });
  });

  it('ignores the non-code lines of a mixed cart', async () => {
    const o = await placeOrder(stack, [US50, { sku: 'TSHIRT-M', quantity: 1, total: '19.00' }]);
    const r = await result(stack, o.workflowId);
    expect(r.state).toBe('delivered');
    expect(r.lines.map((l) => l.state)).toEqual(['delivered', 'ignored']);
  });

  it('waits for payment, and never orders for an unpaid order', async () => {
    const orderId = String(newOrderId());
    const workflowId = fulfillmentWorkflowId('demo', orderId);
    const details = standardOrder(orderId, { status: 'pending', paid: false });
    await stack.env.client.workflow.signalWithStart<typeof fulfillOrder, [OrderDetails]>('fulfillOrder', {
      workflowId,
      taskQueue: stack.taskQueue,
      args: [{ storeId: 'demo', orderId, timeouts: { ...stack.timeouts, paymentWaitMs: 2_000 } }],
      signal: orderDetailsSignal,
      signalArgs: [details],
    });
    const r = await result(stack, workflowId);
    expect(r.state).toBe('not_paid');
    expect(r.reasons[0]!.code).toBe('NOT_PAID');
    expect(ordersCreated(stack, `cb_demo_${orderId}_b1`)).toBe(0);
    keepHistory('not-paid', workflowId);

    // The same order, paid by a payment event that arrives before the order itself.
    const paidId = String(newOrderId());
    const paidWf = fulfillmentWorkflowId('demo', paidId);
    await stack.env.client.workflow.signalWithStart('fulfillOrder', {
      workflowId: paidWf,
      taskQueue: stack.taskQueue,
      args: [{ storeId: 'demo', orderId: paidId, timeouts: stack.timeouts }],
      signal: paymentReceivedSignal,
      signalArgs: [{ source: 'pocketsflow', eventId: `p-${paidId}` }],
    });
    await waitForState(stack, paidWf, 'awaiting_order');
    await stack.env.client.workflow
      .getHandle(paidWf)
      .signal(orderDetailsSignal, { ...details, eventId: `e-${paidId}` });
    expect((await result(stack, paidWf)).state).toBe('delivered');
    keepHistory('payment-before-order', paidWf);
  });

  it('starts with whichever event comes first and hears the other as a signal', async () => {
    const details = (orderId: string) => standardOrder(orderId);
    /** What the run heard from the storefront and gateway, each marked as its start's input or a signal. */
    const heard = async (workflowId: string) =>
      (
        await heardBy(
          await stack.env.client.workflow.getHandle(workflowId).fetchHistory(),
          stack.env.client.options.loadedDataConverter,
        )
      )
        .filter((h) => h.name !== 'supplierCallback')
        .map((h) => `${h.name}${h.opening ? ' (start)' : ''}`);

    // The payment first: it starts the run; the order, a moment later, is a signal.
    const paidFirst = String(newOrderId());
    const paidWf = fulfillmentWorkflowId('demo', paidFirst);
    const payment = { source: 'pocketsflow' as const, eventId: `p-${paidFirst}` };
    expect(await stack.gateway.payment('demo', paidFirst, payment)).toBe('started_or_signalled');
    await waitForState(stack, paidWf, 'awaiting_order');
    expect(await stack.gateway.orderDetails('demo', paidFirst, details(paidFirst))).toBe(
      'started_or_signalled',
    );
    expect((await result(stack, paidWf)).state).toBe('delivered');
    expect(await heard(paidWf)).toEqual(['paymentReceived (start)', 'orderDetails']);
    keepHistory('opening-payment-before-order', paidWf);

    // The order first: it starts the run and is delivered without any signal.
    const orderFirst = String(newOrderId());
    const orderWf = fulfillmentWorkflowId('demo', orderFirst);
    expect(await stack.gateway.orderDetails('demo', orderFirst, details(orderFirst))).toBe(
      'started_or_signalled',
    );
    expect((await result(stack, orderWf)).state).toBe('delivered');
    expect(await heard(orderWf)).toEqual(['orderDetails (start)']);

    // Closed: the start is refused and the signal finds it closed; nothing runs twice.
    expect(await stack.gateway.orderDetails('demo', orderFirst, details(orderFirst))).toBe('already_closed');
    expect(await stack.gateway.payment('demo', orderFirst, payment)).toBe('already_closed');
    expect(ordersCreated(stack, `cb_demo_${orderFirst}_b1`)).toBe(1);
  });

  it('holds a payment whose order never arrives, and resumes when it does', async () => {
    const orderId = String(newOrderId());
    const workflowId = fulfillmentWorkflowId('demo', orderId);
    await stack.env.client.workflow.signalWithStart('fulfillOrder', {
      workflowId,
      taskQueue: stack.taskQueue,
      args: [{ storeId: 'demo', orderId, timeouts: { ...stack.timeouts, paymentWaitMs: 1_500 } }],
      signal: paymentReceivedSignal,
      signalArgs: [{ source: 'pocketsflow', eventId: `p-${orderId}`, amount: '52.99' }],
    });
    const s = await waitForState(stack, workflowId, 'in_review');
    expect(s.reasons[0]!.code).toBe('ORDER_MISSING');
    expect(await rejectedDecision(stack, workflowId, { action: 'refund', by: 'ops' })).toContain(
      'No order is recorded',
    );
    // The hold is a visible case although no order row existed yet.
    const cases = await waitFor(
      () => stack.db.reviewCase.findMany({ where: { workflowId } }),
      (c) => c.length > 0,
    );
    expect(cases.map((c) => [c.reasonCode, c.status])).toEqual([['ORDER_MISSING', 'open']]);
    await stack.env.client.workflow
      .getHandle(workflowId)
      .signal(orderDetailsSignal, psnOrder({ status: 'pending', paid: false, eventId: `e-${orderId}` }));
    expect((await result(stack, workflowId)).state).toBe('delivered');
  });

  it('holds an order whose payment does not match its total', async () => {
    const orderId = String(newOrderId());
    const workflowId = fulfillmentWorkflowId('demo', orderId);
    await stack.env.client.workflow.signalWithStart('fulfillOrder', {
      workflowId,
      taskQueue: stack.taskQueue,
      args: [{ storeId: 'demo', orderId, timeouts: stack.timeouts }],
      signal: paymentReceivedSignal,
      signalArgs: [{ source: 'standard', eventId: `p-${orderId}`, amount: '1.00' }],
    });
    await stack.env.client.workflow.getHandle(workflowId).signal(orderDetailsSignal, {
      channel: 'standard',
      status: 'pending',
      paid: false,
      currency: 'USD',
      total: '52.99',
      riskFlags: [],
      lines: [{ lineNo: 1, sku: 'PSN-US-50', quantity: 1, unitPrice: '52.99' }],
      eventId: `e-${orderId}`,
    });
    const s = await waitForState(stack, workflowId, 'in_review');
    expect(s.reasons.map((r) => r.code)).toEqual(['AMOUNT_MISMATCH']);
    expect(ordersCreated(stack, `cb_demo_${orderId}_b1`)).toBe(0);
    await decide(stack, workflowId, { action: 'cancel', by: 'ops' });
  });
});
