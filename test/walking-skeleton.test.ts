// End to end over HTTP: signed paid-order webhook -> one workflow -> sandbox supplier order ->
// signed supplier webhook -> delivered, with codes encrypted at rest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fulfillmentWorkflowId, statusQuery, type FulfillmentStatus } from '../src/shared/contract';
import { startStack, type Stack } from './support/stack';
import { postWoo, wooOrder } from './support/woo';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('walking skeleton', () => {
  it('delivers a paid WooCommerce order end to end, exactly once', async () => {
    const order = wooOrder(1001, [{ sku: 'PSN-US-50', quantity: 2, total: '105.98' }]);
    const first = await postWoo(stack.apiUrl, 'demo', order);
    expect(first.status).toBe(202);
    expect(first.body.workflowId).toBe(fulfillmentWorkflowId('demo', '1001'));

    // WooCommerce re-delivers the same order (a retry, or order.updated twice).
    const again = await postWoo(stack.apiUrl, 'demo', order);
    expect(again.status).toBe(200);
    expect(again.body.duplicate).toBe(true);

    const handle = stack.env.client.workflow.getHandle(fulfillmentWorkflowId('demo', '1001'));
    const result = (await handle.result()) as FulfillmentStatus;
    expect(result.state).toBe('delivered');
    expect(result.lines[0]).toMatchObject({
      sku: 'PSN-US-50',
      quantity: 2,
      delivered: 2,
      state: 'delivered',
    });
    expect(result.lines[0]!.masked).toHaveLength(2);

    // Exactly one supplier order, one workflow run.
    const stats = stack.sandbox.stats;
    expect(stats.byClientOrderId['cb_demo_1001_b1']).toBe(1);
    expect(Object.keys(stats.byClientOrderId).filter((k) => k.includes('_1001_'))).toHaveLength(1);
    const runs = [];
    for await (const wf of stack.env.client.workflow.list({
      query: `WorkflowId = '${fulfillmentWorkflowId('demo', '1001')}'`,
    }))
      runs.push(wf);
    expect(runs).toHaveLength(1);

    // Codes are in the database encrypted; only the masked form is clear.
    const codes = await stack.db.deliveredCode.findMany({ where: { order: { externalOrderId: '1001' } } });
    expect(codes).toHaveLength(2);
    const issued = stats.codesIssued;
    for (const c of codes) {
      expect(issued.some((code) => c.ciphertext.includes(code))).toBe(false);
      expect(issued.some((code) => code.replace(/-/g, '').endsWith(c.masked.slice(-4)))).toBe(true);
    }
    const dbOrder = await stack.db.order.findUniqueOrThrow({
      where: { workflowId: fulfillmentWorkflowId('demo', '1001') },
    });
    expect(dbOrder.status).toBe('delivered');
  });

  it('answers the status query while the order is in flight', async () => {
    stack.sandbox.on('_1002_', { fulfilDelayMs: 1_500 });
    const res = await postWoo(
      stack.apiUrl,
      'demo',
      wooOrder(1002, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }]),
    );
    expect(res.status).toBe(202);
    const handle = stack.env.client.workflow.getHandle(fulfillmentWorkflowId('demo', '1002'));
    let status: FulfillmentStatus | undefined;
    for (let i = 0; i < 50; i++) {
      status = await handle.query(statusQuery);
      if (status.state === 'awaiting_supplier') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status?.state).toBe('awaiting_supplier');
    expect(status?.nextDeadline).toBeTruthy();
    expect(((await handle.result()) as FulfillmentStatus).state).toBe('delivered');
  });
});
