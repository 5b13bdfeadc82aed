// Pocketsflow order.completed: a payment, signal-with-start, before or after the order event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fulfillmentWorkflowId, statusQuery, type FulfillmentStatus } from '../src/shared/contract';
import { startStack, type Stack } from './support/stack';
import {
  POCKETSFLOW_SECRET,
  STANDARD_SECRET_NEW,
  errorCode,
  pocketsflowBody,
  pocketsflowHeaders,
  post,
  apiSignals,
  cancelledOrder,
  standardHeaders,
  standardOrder,
  waitFor,
  workflowAbsent,
} from './support/webhooks';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    env: {
      STORE_WEBHOOK_SECRETS: JSON.stringify({
        demo: {
          woocommerce: ['test-woo-secret-new-0002'],
          standard: [STANDARD_SECRET_NEW],
          pocketsflow: ['test-pocketsflow-secret-old-0000', POCKETSFLOW_SECRET],
        },
      }),
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

const url = (store = 'demo') => `${stack.apiUrl}/webhooks/pocketsflow/${store}`;
const wf = (orderId: string) => fulfillmentWorkflowId('demo', orderId);
const absent = (orderId: string) => workflowAbsent(stack, wf(orderId));

async function state(orderId: string): Promise<FulfillmentStatus['state']> {
  return (await stack.env.client.workflow.getHandle(wf(orderId)).query(statusQuery)).state;
}

/** The storefront's order, unpaid: it can only proceed with the gateway's payment. */
async function sendUnpaidOrder(orderId: string) {
  const body = JSON.stringify(standardOrder(orderId, { paid: false, status: 'pending' }));
  const res = await post(
    `${stack.apiUrl}/webhooks/standard/demo`,
    body,
    standardHeaders(body, { id: `ord_${orderId}` }),
  );
  expect(res.status).toBe(202);
}

function send(payload: unknown, opts: Parameters<typeof pocketsflowHeaders>[1] & { store?: string } = {}) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return post(url(opts.store), body, pocketsflowHeaders(body, opts));
}

describe('Pocketsflow order.completed', () => {
  it('payment BEFORE the order: starts the workflow, which proceeds when the order arrives', async () => {
    const res = await send(pocketsflowBody('pf_1', 5001));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ workflowId: wf('5001'), outcome: 'started_or_signalled' });
    expect(
      await waitFor(
        () => state('5001'),
        (s) => s === 'awaiting_order',
      ),
    ).toBe('awaiting_order');

    await sendUnpaidOrder('5001');
    const result = (await stack.env.client.workflow.getHandle(wf('5001')).result()) as FulfillmentStatus;
    expect(result.state).toBe('delivered');
    expect(await apiSignals(stack, wf('5001'))).toEqual(['paymentReceived', 'orderDetails']);
  });

  it('payment AFTER the order: the waiting workflow proceeds', async () => {
    await sendUnpaidOrder('5002');
    expect(
      await waitFor(
        () => state('5002'),
        (s) => s === 'awaiting_payment',
      ),
    ).toBe('awaiting_payment');
    const res = await send({ type: 'order.completed', data: pocketsflowBody('pf_2', '5002') });
    expect(res.status).toBe(202);
    const result = (await stack.env.client.workflow.getHandle(wf('5002')).result()) as FulfillmentStatus;
    expect(result.state).toBe('delivered');
    expect(await apiSignals(stack, wf('5002'))).toEqual(['orderDetails', 'paymentReceived']);
  });

  it('accepts the previous signing secret during a rotation', async () => {
    const res = await send(pocketsflowBody('pf_3', 5003), { secret: 'test-pocketsflow-secret-old-0000' });
    expect(res.status).toBe(202);
  });

  it('rejects bad signatures and signatures over a different body with 401', async () => {
    const wrongKey = await send(pocketsflowBody('pf_4', 5004), { secret: 'not-the-pocketsflow-secret' });
    const signed = JSON.stringify(pocketsflowBody('pf_4', 5004));
    const sent = JSON.stringify(pocketsflowBody('pf_4', 5099));
    const swapped = await post(url(), sent, pocketsflowHeaders(signed));
    const missing = await post(url(), signed, {
      'Content-Type': 'application/json',
      'X-Pocketsflow-Event': 'order.completed',
    });
    for (const r of [wrongKey, swapped, missing]) {
      expect(r.status).toBe(401);
      expect(errorCode(r)).toBe('bad_signature');
    }
    expect(await absent('5004')).toBe(true);
    expect(await absent('5099')).toBe(true);
  });

  it('rejects stale and future timestamps with 401, a missing one with 400', async () => {
    const stale = await send(pocketsflowBody('pf_5', 5005), { ts: Date.now() - 6 * 60_000 });
    const future = await send(pocketsflowBody('pf_5', 5005), { ts: Date.now() + 6 * 60_000 });
    expect(stale.status).toBe(401);
    expect(future.status).toBe(401);
    expect(errorCode(stale)).toBe('stale_timestamp');
    const body = JSON.stringify(pocketsflowBody('pf_5', 5005));
    const headers = pocketsflowHeaders(body);
    delete (headers as Record<string, string | undefined>)['X-Pocketsflow-Timestamp'];
    expect((await post(url(), body, headers)).status).toBe(400);
    expect(await absent('5005')).toBe(true);
  });

  it('has one effect when the same event arrives 5 times (re-sends carry new timestamps)', async () => {
    await sendUnpaidOrder('5006');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await send(pocketsflowBody('pf_6', 5006))).status);
    expect(statuses).toEqual([202, 200, 200, 200, 200]);
    expect((await apiSignals(stack, wf('5006'))).filter((s) => s === 'paymentReceived')).toHaveLength(1);
  });

  it('rejects malformed JSON and a missing order id with 400 (field paths)', async () => {
    const malformed = await send('{"id":"pf_7","metadata":{');
    expect(malformed.status).toBe(400);
    expect(errorCode(malformed)).toBe('malformed_json');
    const noOrder = await send({ id: 'pf_7', metadata: {} });
    expect(noOrder.status).toBe(400);
    expect(JSON.stringify(noOrder.body)).toContain('metadata.woocommerce_order_id');
    expect(await absent('5007')).toBe(true);
  });

  it('rejects oversize (413), wrong content type (415), unknown store (404)', async () => {
    const big = JSON.stringify({ ...pocketsflowBody('pf_8', 5008), pad: 'x'.repeat(300 * 1024) });
    expect((await post(url(), big, pocketsflowHeaders(big))).status).toBe(413);
    const body = JSON.stringify(pocketsflowBody('pf_8', 5008));
    expect(
      (await post(url(), body, { ...pocketsflowHeaders(body), 'Content-Type': 'text/plain' })).status,
    ).toBe(415);
    expect((await send(pocketsflowBody('pf_8', 5008), { store: 'nosuchstore' })).status).toBe(404);
    expect(await absent('5008')).toBe(true);
    expect(await workflowAbsent(stack, fulfillmentWorkflowId('nosuchstore', '5008'))).toBe(true);
  });

  it('acknowledges other event types (200) and starts nothing; a missing event header is 400', async () => {
    const other = await send(pocketsflowBody('pf_9', 5009), { event: 'order.refunded' });
    expect(other.status).toBe(200);
    expect(other.body.ignored).toBeTruthy();
    const body = JSON.stringify(pocketsflowBody('pf_9', 5009));
    const headers = pocketsflowHeaders(body);
    delete (headers as Record<string, string | undefined>)['X-Pocketsflow-Event'];
    expect((await post(url(), body, headers)).status).toBe(400);
    expect(await absent('5009')).toBe(true);
  });

  it('a payment after the workflow closed without delivery is recorded for ops and acknowledged', async () => {
    const workflowId = await cancelledOrder(stack, '5090');
    const res = await send(pocketsflowBody('pf_90', 5090));
    expect(res.status).toBe(202);
    expect(res.body.outcome).toBe('already_closed');
    const cases = await stack.db.reviewCase.findMany({ where: { workflowId, status: 'open' } });
    expect(cases).toEqual([
      expect.objectContaining({
        reasonCode: 'PAYMENT_AFTER_CLOSE',
        status: 'open',
        reason: expect.stringMatching(/cancelled/),
      }),
    ]);
    await stack.receipts.settled();
    const receipt = await stack.db.webhookReceipt.findFirst({
      where: { provider: 'pocketsflow', workflowId },
    });
    expect(receipt?.outcome).toBe('payment_after_close');
  }, 30_000);

  it('an id with a NUL character (found by schemathesis) is a 400, never a 500', async () => {
    const res = await send({ ...pocketsflowBody('pf_\u0000x', 5091) });
    expect(res.status).toBe(400);
    expect(await absent('5091')).toBe(true);
  });
});
