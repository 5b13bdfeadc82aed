// The worker is SIGKILLed after the supplier accepted the order and before the workflow saw the
// reply. A new worker must finish the order with exactly one supplier order: the activity's
// retry asks the supplier first instead of re-sending (and this sandbox would not deduplicate
// a re-send by Idempotency-Key, so a second POST would show up as a second order). And a worker
// killed while it sends the customer's codes: the notice activity heartbeats, so a new worker
// retries it after its 10 s heartbeat timeout, not its 90 s start-to-close timeout.
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './support/stack';
import { newOrderId, ordersCreated, placeOrder, result } from './support/orders';
import { startProcess, stackEnv, tsNode, type Proc } from './support/processes';
import { startSmtpServer } from './support/smtp';

let stack: Stack;
const procs: Proc[] = [];
beforeAll(async () => {
  stack = await startStack({ noWorker: true });
});
afterAll(async () => {
  for (const p of procs) await p.stop('SIGKILL').catch(() => undefined);
  await stack?.stop();
});

const worker = (env: Record<string, string> = {}) => {
  const p = startProcess('worker', tsNode('src/worker-main.ts'), stackEnv(stack, env));
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

  it('retries the codes email on a new worker within seconds of the old one dying mid-send', async () => {
    // The mail server takes the "codes are ready" message and never answers: the send hangs.
    for (const p of procs.splice(0)) await p.stop('SIGTERM'); // only workers that send mail
    let stalled = true;
    const smtp = await startSmtpServer({ hold: (m) => stalled && /ready/.test(m.subject) });
    try {
      const mail = { SMTP_URL: smtp.url, MAIL_FROM: 'Shop <shop@example.test>' };
      const first = worker(mail);
      const o = await placeOrder(stack, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }]);
      const until = Date.now() + 60_000;
      while (smtp.held.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(smtp.held).toHaveLength(1);

      await first.stop('SIGKILL');
      const killedAt = Date.now();
      stalled = false;
      worker(mail);
      const r = await result(stack, o.workflowId);
      const seconds = (Date.now() - killedAt) / 1000;
      expect(r.state).toBe('delivered');
      // Without heartbeats the retry waits out the 90 s start-to-close timeout.
      expect(seconds).toBeLessThan(45);
      expect(smtp.messages.filter((m) => /ready/.test(m.subject))).toHaveLength(1);
      // The second attempt was started because the first stopped heartbeating.
      const { events } = await o.handle.fetchHistory();
      const retried = events!.flatMap((e) => {
        const started = e.activityTaskStartedEventAttributes;
        return started && started.attempt! > 1 ? [started] : [];
      });
      expect(retried.map((a) => [a.attempt, a.lastFailure?.timeoutFailureInfo?.timeoutType])).toEqual([
        [2, temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT],
      ]);
    } finally {
      await smtp.stop();
    }
  }, 120_000);
});
