// WooCommerce order webhooks over HTTP, with real signatures: every rejection is checked against
// the Temporal server (nothing started, nothing signalled), every acceptance by its effect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fulfillmentWorkflowId } from '../src/shared/contract';
import { startStack, type Stack } from './support/stack';
import { errorCode, post, signalsOf, workflowAbsent } from './support/webhooks';
import { wooOrder, wooSignature } from './support/woo';

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

  it('rejects malformed JSON (correctly signed) with 400', async () => {
    const res = await send('{"id":4007,"status":"processing",');
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('malformed_json');
    expect(await absent(4007)).toBe(true);
  });

  it('rejects a body of the wrong shape with 400 and field paths', async () => {
    const bad = order(4008);
    bad.line_items[0]!.quantity = 0;
    const res = await send(JSON.stringify({ ...bad, currency: 'DOLLARS' }));
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('invalid_body');
    const paths = (res.body.error as { fields: { path: string }[] }).fields.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['currency', 'line_items.0.quantity']));
    expect(await absent(4008)).toBe(true);
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
});
