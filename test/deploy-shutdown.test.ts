// Graceful shutdown of the real API and worker processes on SIGTERM, under load: a stream of
// signed WooCommerce webhooks while the supplier answers slowly. No request may fail, both
// processes exit 0, and after a restart every accepted order is delivered exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fulfillmentWorkflowId } from '../src/shared/contract';
import { freePort, stackEnv, startProcess, tsNode, waitHealthy, type Proc } from './support/processes';
import { startStack, type Stack } from './support/stack';
import { postWoo, wooOrder } from './support/woo';

let stack: Stack;
const procs: Proc[] = [];

beforeAll(async () => {
  stack = await startStack({ noWorker: true });
  // Every supplier call takes 1.5 s, so activities are in flight when the worker is told to stop.
  stack.sandbox.on('cb_demo_', { latencyMs: 1_500 });
});
afterAll(async () => {
  for (const p of procs) await p.stop('SIGKILL', 5_000);
  await stack?.stop();
});

// The API decides the workflow timeouts: short supplier webhook wait (polling takes over while
// the API is down), long enough max wait that nothing goes to review during the restart.
const apiTimeouts = {
  SUPPLIER_WEBHOOK_WAIT: '3s',
  SUPPLIER_MAX_WAIT: '5m',
  PAYMENT_WAIT: '5m',
  REVIEW_REMINDER_AFTER: '5m',
};

async function startApi(): Promise<{ proc: Proc; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = startProcess(
    'api',
    tsNode('src/api/main.ts'),
    stackEnv(stack, {
      ...apiTimeouts,
      API_PORT: String(port),
      API_SHUTDOWN_DELAY: '3s',
      API_PUBLIC_URL: url,
    }),
  );
  procs.push(proc);
  await waitHealthy(proc, `${url}/readyz`);
  stack.sandbox.setWebhookUrl(`${url}/webhooks/supplier`);
  return { proc, url };
}

async function startWorker(): Promise<Proc> {
  const port = await freePort();
  const proc = startProcess(
    'worker',
    tsNode('src/worker-main.ts'),
    stackEnv(stack, { WORKER_HEALTH_PORT: String(port), WORKER_SHUTDOWN_GRACE: '20s' }),
  );
  procs.push(proc);
  await waitHealthy(proc, `http://127.0.0.1:${port}/healthz`);
  return proc;
}

async function statuses(ids: number[]): Promise<Map<number, string>> {
  const rows = await stack.db.order.findMany({
    where: { workflowId: { in: ids.map((id) => fulfillmentWorkflowId('demo', String(id))) } },
    select: { externalOrderId: true, status: true },
  });
  return new Map(rows.map((r) => [Number(r.externalOrderId), r.status]));
}

describe('graceful shutdown on SIGTERM', () => {
  it('drops no request and loses no activity', async () => {
    const [api, worker] = await Promise.all([startApi(), startWorker()]);

    // A load balancer in miniature: it routes to the API while /readyz says 200.
    let routable = true;
    let unroutableBecause = '';
    const probe = setInterval(() => {
      void fetch(`${api.url}/readyz`).then(
        async (r) => {
          if (r.ok || !routable) return;
          routable = false;
          unroutableBecause = `${r.status} ${await r.text()} (sigterm sent: ${sigtermSent})`;
        },
        (err: unknown) => {
          if (routable) unroutableBecause = `probe error ${String(err)} (sigterm sent: ${sigtermSent})`;
          routable = false;
        },
      );
    }, 50);

    const results: { id: number; status: number | string; afterSigterm: boolean }[] = [];
    let sigtermSent = false;
    let next = 7000;
    const sender = async () => {
      while (routable) {
        const id = next++;
        const afterSigterm = sigtermSent;
        const r = await postWoo(
          api.url,
          'demo',
          wooOrder(id, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }]),
        ).then(
          (res) => res.status,
          (err: unknown) => `connection error: ${(err as Error).cause ?? (err as Error).message}`,
        );
        results.push({ id, status: r, afterSigterm });
        await new Promise((res) => setTimeout(res, 30));
      }
    };
    const senders = Promise.all([sender(), sender(), sender(), sender()]);

    await new Promise((r) => setTimeout(r, 2_500));
    const accepted = () => results.filter((r) => r.status === 202).map((r) => r.id);
    const before = await statuses(accepted());
    const inFlight = accepted().filter((id) => before.get(id) !== 'delivered');
    expect(inFlight.length, 'orders still in flight when SIGTERM arrives').toBeGreaterThan(0);

    sigtermSent = true;
    const stopping = Promise.all([api.proc.stop('SIGTERM'), worker.stop('SIGTERM')]);
    // A load balancer keeps routing until it sees readiness fail: requests sent right after
    // SIGTERM must still be served while the API drains.
    await Promise.all(
      [0, 1, 2].map(async () => {
        const id = next++;
        const r = await postWoo(
          api.url,
          'demo',
          wooOrder(id, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }]),
        ).then(
          (res) => res.status,
          (err: unknown) => `connection error: ${(err as Error).cause ?? (err as Error).message}`,
        );
        results.push({ id, status: r, afterSigterm: true });
      }),
    );
    const [apiExit, workerExit] = await stopping;
    clearInterval(probe);
    await senders;

    expect(apiExit, api.proc.output()).toEqual({ code: 0, signal: null });
    expect(workerExit, worker.output()).toEqual({ code: 0, signal: null });
    expect(worker.output()).toMatch(/worker stopped/);
    expect(api.proc.output()).toMatch(/api stopped/);
    const failed = results.filter((r) => r.status !== 202);
    expect(failed, 'requests that failed').toEqual([]);
    expect(unroutableBecause).toMatch(/^503 .*shuttingDown.*\(sigterm sent: true\)$/);
    expect(results.filter((r) => r.afterSigterm).length, 'requests served while draining').toBeGreaterThan(0);

    // Restart both; every accepted order reaches delivered, each bought from the supplier once.
    const [api2, worker2] = await Promise.all([startApi(), startWorker()]);
    const ids = accepted();
    const until = Date.now() + 90_000;
    let done = new Map<number, string>();
    while (Date.now() < until) {
      done = await statuses(ids);
      if (ids.every((id) => done.get(id) === 'delivered')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(ids.filter((id) => done.get(id) !== 'delivered')).toEqual([]);
    for (const id of ids)
      expect(stack.sandbox.stats.byClientOrderId[`cb_demo_${id}_b1`], `order ${id}`).toBe(1);

    const [e1, e2] = await Promise.all([api2.proc.stop('SIGTERM'), worker2.stop('SIGTERM')]);
    expect(e1).toEqual({ code: 0, signal: null });
    expect(e2).toEqual({ code: 0, signal: null });
    console.log(
      `shutdown under load: ${results.length} requests (${results.filter((r) => r.afterSigterm).length} after SIGTERM), ` +
        `${inFlight.length} orders in flight at SIGTERM, ${ids.length} delivered after restart`,
    );
  }, 240_000);
});
