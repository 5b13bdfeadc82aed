// Prometheus metrics, scraped for real: the API's GET /metrics (webhook rejections, review
// backlog from the database) and the worker's own /metrics (order outcomes by store and region,
// delivery latency, supplier calls and errors, plus the Temporal SDK's metrics), with the worker
// running as its own process (`src/worker-main.ts`) exactly as in production.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fulfillmentWorkflowId, reviewDecisionUpdate, statusQuery } from '../src/shared/contract';
import { waitUntil } from '../scripts/lib/processes';
import { freePort, stackEnv, startProcess, tsNode, type Proc } from './support/processes';
import { startStack, type Stack } from './support/stack';
import { postWoo, wooOrder } from './support/woo';

let stack: Stack;
let worker: Proc | undefined;
let workerMetricsUrl = '';

const waitFor = (what: string, check: () => Promise<boolean>, ms = 60_000) =>
  waitUntil(what, check, { proc: worker, timeoutMs: ms });

/** Sum of the samples of `name` whose labels include `labels` (Prometheus text format). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total = (total ?? 0) + Number(m[3]);
  }
  return total;
}

const scrape = async (url: string) => {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
};

const wf = (orderId: string) => fulfillmentWorkflowId('demo', orderId);
const state = (orderId: string) => stack.env.client.workflow.getHandle(wf(orderId)).query(statusQuery);

beforeAll(async () => {
  stack = await startStack({ noWorker: true });
  const [metricsPort, sdkPort] = [await freePort(), await freePort()];
  workerMetricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  worker = startProcess(
    'worker',
    tsNode('src/worker-main.ts'),
    stackEnv(stack, {
      HOME: process.env.HOME ?? '',
      LOG_LEVEL: 'warn',
      WORKER_METRICS_PORT: String(metricsPort),
      TEMPORAL_SDK_METRICS_PORT: String(sdkPort),
    }),
  );
  await waitFor('the worker metrics endpoint', async () => (await fetch(workerMetricsUrl)).ok, 120_000);
}, 240_000);

afterAll(async () => {
  await worker?.stop('SIGTERM', 15_000);
  await stack?.stop();
});

describe('metrics', () => {
  it('counts orders, latency, supplier calls, rejections and the review backlog', async () => {
    stack.sandbox.on('_6203_', { reject: { status: 422, message: 'product unavailable' } });
    const post = (id: number, sku: string, total: string) =>
      postWoo(stack.apiUrl, 'demo', wooOrder(id, [{ sku, quantity: 1, total }]));
    expect((await post(6201, 'PSN-US-50', '52.99')).status).toBe(202);
    expect((await post(6202, 'PSN-ZZ-98', '10.99')).status).toBe(202);
    expect((await post(6203, 'PSN-US-10', '10.99')).status).toBe(202);
    // Two rejected webhooks: a wrong signature (401) and a signed body that is not JSON (answered
    // 200 so WooCommerce keeps the webhook, but counted).
    const forged = await postWoo(stack.apiUrl, 'demo', wooOrder(6204, []), 'not-the-store-secret-0000');
    expect(forged.status).toBe(401);
    const garbage = await postWoo(stack.apiUrl, 'demo', '{"id": 6205,');
    expect(garbage.status).toBe(200);

    await waitFor('6201 delivered, 6202 and 6203 in review', async () => {
      const [a, b, c] = await Promise.all([state('6201'), state('6202'), state('6203')]);
      // The state turns in_review a moment before the review case row (and its counter) exists.
      const open = await stack.db.reviewCase.count({ where: { status: 'open' } });
      return a.state === 'delivered' && b.state === 'in_review' && c.state === 'in_review' && open === 2;
    });

    const api = await scrape(`${stack.apiUrl}/metrics`);
    expect(
      sample(api, 'cardbridge_webhook_rejections_total', {
        provider: 'woocommerce',
        reason: 'bad_signature',
      }),
    ).toBe(1);
    expect(sample(api, 'cardbridge_webhook_rejections_total', { provider: 'woocommerce' })).toBe(2);
    expect(sample(api, 'cardbridge_review_backlog', { store: 'demo', reason: 'SKU_UNMAPPED' })).toBe(1);
    expect(sample(api, 'cardbridge_review_backlog', { store: 'demo', reason: 'SUPPLIER_REJECTED' })).toBe(1);
    expect(sample(api, 'cardbridge_review_backlog_oldest_seconds')).toBeGreaterThanOrEqual(0);

    // The workflow reports `delivered` a moment before its last activity records (and counts) it.
    await waitFor(
      'the delivery counted by the worker',
      async () =>
        sample(await scrape(workerMetricsUrl), 'cardbridge_orders_delivered_total', {
          store: 'demo',
          region: 'US',
        }) !== undefined,
    );
    const w = await scrape(workerMetricsUrl);
    expect(sample(w, 'cardbridge_orders_started_total', { store: 'demo', region: 'US' })).toBe(2);
    expect(sample(w, 'cardbridge_orders_started_total', { store: 'demo', region: 'unknown' })).toBe(1);
    expect(sample(w, 'cardbridge_orders_delivered_total', { store: 'demo', region: 'US' })).toBe(1);
    expect(sample(w, 'cardbridge_delivery_latency_seconds_count', { store: 'demo', region: 'US' })).toBe(1);
    const latency = sample(w, 'cardbridge_delivery_latency_seconds_sum', { store: 'demo', region: 'US' })!;
    expect(latency).toBeGreaterThan(0);
    expect(latency).toBeLessThan(60);
    expect(
      sample(w, 'cardbridge_orders_in_review_total', {
        store: 'demo',
        region: 'unknown',
        reason: 'SKU_UNMAPPED',
      }),
    ).toBe(1);
    expect(
      sample(w, 'cardbridge_orders_in_review_total', {
        store: 'demo',
        region: 'US',
        reason: 'SUPPLIER_REJECTED',
      }),
    ).toBe(1);
    expect(sample(w, 'cardbridge_supplier_call_seconds_count', { operation: 'order', outcome: 'ok' })).toBe(
      1,
    );
    expect(
      sample(w, 'cardbridge_supplier_errors_total', { operation: 'order', error: 'SupplierRejectedError' }),
    ).toBe(1);
    expect(sample(w, 'cardbridge_orders_failed_total')).toBeUndefined();
    // The Temporal SDK's own metrics ride along on the same endpoint.
    expect(w).toMatch(/^temporal_\w+/m);
    expect(sample(w, 'temporal_workflow_completed', { task_queue: stack.taskQueue })).toBeGreaterThanOrEqual(
      1,
    );

    // A review decided as cancel: counted as failed, and the backlog shrinks at the next scrape.
    await stack.env.client.workflow
      .getHandle(wf('6202'))
      .executeUpdate(reviewDecisionUpdate, { args: [{ action: 'cancel', by: 'metrics-test' }] });
    await stack.env.client.workflow.getHandle(wf('6202')).result();
    const after = await scrape(workerMetricsUrl);
    expect(
      sample(after, 'cardbridge_orders_failed_total', {
        store: 'demo',
        region: 'unknown',
        state: 'cancelled',
      }),
    ).toBe(1);
    const apiAfter = await scrape(`${stack.apiUrl}/metrics`);
    expect(sample(apiAfter, 'cardbridge_review_backlog', { reason: 'SKU_UNMAPPED' })).toBeUndefined();
    expect(sample(apiAfter, 'cardbridge_review_backlog', { reason: 'SUPPLIER_REJECTED' })).toBe(1);
  });

  it('answers 404 on the worker port for anything but GET /metrics', async () => {
    expect((await fetch(workerMetricsUrl.replace('/metrics', '/'))).status).toBe(404);
  });
});
