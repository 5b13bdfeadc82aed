// The worker is SIGKILLed after the supplier accepted the order and before the workflow saw the
// reply. A new worker must finish the order with exactly one supplier order: the activity's
// retry asks the supplier first instead of re-sending (and this sandbox would not deduplicate
// a re-send by Idempotency-Key, so a second POST would show up as a second order).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './support/stack';
import { newOrderId, ordersCreated, placeOrder, result } from './support/orders';
import { startProcess, stackEnv, tsNode, type Proc } from './support/processes';

let stack: Stack;
const procs: Proc[] = [];
beforeAll(async () => {
  stack = await startStack({ noWorker: true });
});
afterAll(async () => {
  for (const p of procs) await p.stop('SIGKILL').catch(() => undefined);
  await stack?.stop();
});

const worker = () => {
  const p = startProcess('worker', tsNode('src/worker-main.ts'), stackEnv(stack));
  procs.push(p);
  return p;
};

describe('worker killed mid-order', () => {
  it('still places exactly one supplier order', async () => {
    const id = newOrderId();
    stack.sandbox.on(`_${id}_`, { hangAfterCreateMs: 60_000, ignoreIdempotencyKey: true });
    const first = worker();
    const o = await placeOrder(stack, [{ sku: 'PSN-US-50', quantity: 1, total: '52.99' }], {}, id);

    // Wait until the supplier has created the order (its answer is still held back)...
    const until = Date.now() + 60_000;
    while (ordersCreated(stack, o.clientOrderId()) === 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(ordersCreated(stack, o.clientOrderId())).toBe(1);
    // ...then kill the worker before the workflow can see the reply.
    const killed = await first.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');

    worker();
    const r = await result(stack, o.workflowId);
    expect(r.state).toBe('delivered');
    expect(ordersCreated(stack, o.clientOrderId())).toBe(1);
    const posts = stack.sandbox.stats.orderCalls.filter((c) => c.externalOrderId === o.clientOrderId());
    expect(posts).toHaveLength(1);
    expect(await stack.db.deliveredCode.count({ where: { order: { workflowId: o.workflowId } } })).toBe(1);
  }, 120_000);
});
