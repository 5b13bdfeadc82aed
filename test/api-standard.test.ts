// Generic signed JSON (Standard Webhooks) for Magento / headless / custom storefronts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fulfillmentWorkflowId, statusQuery, type FulfillmentStatus } from '../src/shared/contract';
import { startStack, type Stack } from './support/stack';
import {
  POCKETSFLOW_SECRET,
  STANDARD_SECRET_NEW,
  STANDARD_SECRET_OLD,
  errorCode,
  post,
  apiSignals,
  cancelledOrder,
  standardHeaders,
  standardOrder,
  standardSignature,
  waitFor,
  workflowAbsent,
} from './support/webhooks';

/** A Standard Webhooks secret given without its whsec_ prefix. */
const BARE_SECRET = 'YmFyZS1zdGFuZGFyZC1zZWNyZXQtMDAwMw==';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    env: {
      STORE_WEBHOOK_SECRETS: JSON.stringify({
        demo: {
          woocommerce: ['test-woo-secret-new-0002'],
          standard: [STANDARD_SECRET_OLD, STANDARD_SECRET_NEW],
          pocketsflow: [POCKETSFLOW_SECRET],
        },
        other: { woocommerce: ['test-woo-secret-other-0003'] },
        bare: { standard: [BARE_SECRET] },
      }),
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

const url = (store = 'demo') => `${stack.apiUrl}/webhooks/standard/${store}`;
const wf = (orderId: string) => fulfillmentWorkflowId('demo', orderId);
const absent = (orderId: string) => workflowAbsent(stack, wf(orderId));
const now = () => Math.floor(Date.now() / 1000);

async function state(orderId: string): Promise<FulfillmentStatus['state']> {
  return (await stack.env.client.workflow.getHandle(wf(orderId)).query(statusQuery)).state;
}

describe('Standard Webhooks (signed JSON)', () => {
  it('accepts a signed paid order and starts its workflow', async () => {
    const body = JSON.stringify(standardOrder('S-1'));
    const res = await post(url(), body, standardHeaders(body, { id: 'msg_s1' }));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ ok: true, workflowId: wf('S-1'), outcome: 'started_or_signalled' });
    expect(await apiSignals(stack, wf('S-1'))).toEqual(['orderDetails']);
    const result = (await stack.env.client.workflow.getHandle(wf('S-1')).result()) as FulfillmentStatus;
    expect(result.state).toBe('delivered');
  });

  it('accepts a header with several signatures when one matches the previous secret (rotation)', async () => {
    const body = JSON.stringify(standardOrder('S-2'));
    const ts = now();
    const headers = standardHeaders(body, {
      id: 'msg_s2',
      ts,
      signature: `v1,bm90LXRoaXMtb25l ${standardSignature(STANDARD_SECRET_OLD, 'msg_s2', ts, body)}`,
    });
    const res = await post(url(), body, headers);
    expect(res.status).toBe(202);
    expect(await absent('S-2')).toBe(false);
  });

  it('rejects a bad signature, a foreign secret and a signature over a different body with 401', async () => {
    const body = JSON.stringify(standardOrder('S-3'));
    const bad = await post(url(), body, standardHeaders(body, { id: 'msg_s3a', signature: 'v1,AAAA' }));
    const foreign = await post(
      url(),
      body,
      standardHeaders(body, { id: 'msg_s3b', secret: 'whsec_c29tZWJvZHktZWxzZXMtc2VjcmV0LTAwMDA=' }),
    );
    const other = JSON.stringify(standardOrder('S-3', { total: '0.01' }));
    const ts = now();
    const swapped = await post(
      url(),
      other,
      standardHeaders(other, {
        id: 'msg_s3c',
        ts,
        signature: standardSignature(STANDARD_SECRET_NEW, 'msg_s3c', ts, body),
      }),
    );
    const unsigned = await post(url(), body, {
      'Content-Type': 'application/json',
      'webhook-id': 'x',
      'webhook-timestamp': String(ts),
    });
    for (const r of [bad, foreign, swapped, unsigned]) {
      expect(r.status).toBe(401);
      expect(errorCode(r)).toBe('bad_signature');
    }
    expect(await absent('S-3')).toBe(true);
  });

  it('rejects a signature whose id or timestamp was changed after signing', async () => {
    const body = JSON.stringify(standardOrder('S-4'));
    const ts = now();
    const sig = standardSignature(STANDARD_SECRET_NEW, 'msg_s4', ts, body);
    const otherId = await post(url(), body, standardHeaders(body, { id: 'msg_s4x', ts, signature: sig }));
    const otherTs = await post(
      url(),
      body,
      standardHeaders(body, { id: 'msg_s4', ts: ts - 1, signature: sig }),
    );
    expect(otherId.status).toBe(401);
    expect(otherTs.status).toBe(401);
    expect(await absent('S-4')).toBe(true);
  });

  it('rejects stale and future timestamps (correctly signed) with 401', async () => {
    const body = JSON.stringify(standardOrder('S-5'));
    const stale = await post(url(), body, standardHeaders(body, { id: 'msg_s5a', ts: now() - 6 * 60 }));
    const future = await post(url(), body, standardHeaders(body, { id: 'msg_s5b', ts: now() + 6 * 60 }));
    for (const r of [stale, future]) {
      expect(r.status).toBe(401);
      expect(errorCode(r)).toBe('stale_timestamp');
    }
    expect(await absent('S-5')).toBe(true);
  });

  it('has one effect when the same webhook-id arrives 5 times', async () => {
    const body = JSON.stringify(standardOrder('S-6'));
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await post(url(), body, standardHeaders(body, { id: 'msg_s6' }))).status);
    }
    expect(statuses).toEqual([202, 200, 200, 200, 200]);
    expect(await apiSignals(stack, wf('S-6'))).toEqual(['orderDetails']);
  });

  it('rejects malformed JSON and wrong shapes with 400 (field paths)', async () => {
    const junk = '{"type":"order.created","data":';
    const malformed = await post(url(), junk, standardHeaders(junk, { id: 'msg_s7a' }));
    expect(malformed.status).toBe(400);
    expect(errorCode(malformed)).toBe('malformed_json');

    const wrong = JSON.stringify(
      standardOrder('S-7', {
        customer: { email: 'not-an-email' },
        lines: [{ sku: 'PSN-US-10', quantity: 0, unitPrice: '10.999' }],
      }),
    );
    const res = await post(url(), wrong, standardHeaders(wrong, { id: 'msg_s7b' }));
    expect(res.status).toBe(400);
    const paths = (res.body.error as { fields: { path: string }[] }).fields.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining(['data.customer.email', 'data.lines.0.quantity', 'data.lines.0.unitPrice']),
    );
    const unknownType = JSON.stringify({ ...standardOrder('S-7'), type: 'order.deleted' });
    expect((await post(url(), unknownType, standardHeaders(unknownType, { id: 'msg_s7c' }))).status).toBe(
      400,
    );
    expect(await absent('S-7')).toBe(true);
  });

  it('rejects oversize bodies (413), wrong content types (415), unknown stores (404), missing ids (400)', async () => {
    const big = JSON.stringify(standardOrder('S-8', { note: 'x'.repeat(300 * 1024) }));
    expect((await post(url(), big, standardHeaders(big, { id: 'msg_s8a' }))).status).toBe(413);
    const body = JSON.stringify(standardOrder('S-8'));
    const text = { ...standardHeaders(body, { id: 'msg_s8b' }), 'Content-Type': 'text/plain' };
    expect((await post(url(), body, text)).status).toBe(415);
    const unknown = await post(url('nosuchstore'), body, standardHeaders(body, { id: 'msg_s8c' }));
    expect(unknown.status).toBe(404);
    // A store that exists but has no signed-JSON secret is unknown here too.
    expect((await post(url('other'), body, standardHeaders(body, { id: 'msg_s8d' }))).status).toBe(404);
    const noId = standardHeaders(body, { id: 'msg_s8e' });
    delete (noId as Record<string, string | undefined>)['webhook-id'];
    expect((await post(url(), body, noId)).status).toBe(400);
    expect(await absent('S-8')).toBe(true);
    expect(await workflowAbsent(stack, fulfillmentWorkflowId('nosuchstore', 'S-8'))).toBe(true);
  });

  it('an unpaid order waits for its payment; payment.succeeded then lets it proceed', async () => {
    const order = JSON.stringify(standardOrder('S-9', { paid: false, status: 'pending' }));
    expect((await post(url(), order, standardHeaders(order, { id: 'msg_s9a' }))).status).toBe(202);
    expect(
      await waitFor(
        () => state('S-9'),
        (s) => s === 'awaiting_payment',
      ),
    ).toBe('awaiting_payment');

    const payment = JSON.stringify({
      type: 'payment.succeeded',
      data: { orderId: 'S-9', paymentId: 'pay_1', amount: '52.99', currency: 'USD', paymentMethod: 'card' },
    });
    const res = await post(url(), payment, standardHeaders(payment, { id: 'msg_s9b' }));
    expect(res.status).toBe(202);
    const result = (await stack.env.client.workflow.getHandle(wf('S-9')).result()) as FulfillmentStatus;
    expect(result.state).toBe('delivered');
    expect(await apiSignals(stack, wf('S-9'))).toEqual(['orderDetails', 'paymentReceived']);
  });

  it('a payment after the workflow closed without delivery is recorded for ops and acknowledged', async () => {
    const workflowId = await cancelledOrder(stack, 'S-90');
    const payment = JSON.stringify({
      type: 'payment.succeeded',
      data: { orderId: 'S-90', paymentId: 'pay_90', amount: '52.99', currency: 'USD' },
    });
    const res = await post(url(), payment, standardHeaders(payment, { id: 'msg_s90' }));
    expect(res.status).toBe(202);
    const cases = await stack.db.reviewCase.findMany({ where: { workflowId, status: 'open' } });
    expect(cases).toEqual([
      expect.objectContaining({
        reasonCode: 'PAYMENT_AFTER_CLOSE',
        reason: expect.stringMatching(/52.99 USD.*cancelled/),
      }),
    ]);
  }, 30_000);

  it('accepts a secret configured without the whsec_ prefix (base64, as the official library reads it)', async () => {
    const body = JSON.stringify(standardOrder('S-91'));
    const ts = now();
    const res = await post(url('bare'), body, {
      ...standardHeaders(body, { id: 'msg_s91', ts }),
      'webhook-signature': standardSignature(BARE_SECRET, 'msg_s91', ts, body),
    });
    expect(res.status).toBe(202);
  });
});
