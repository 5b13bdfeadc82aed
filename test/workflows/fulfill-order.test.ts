// fulfillOrder's branches against fake activities registered inline: one local dev server and
// one workflow bundle for the file, a task queue and workflow id per test, short timeouts. Each
// test asserts the outcome (result state, reasons, decisions) and which fake activities were
// called with which idempotency keys. The real stack runs the same branches in
// test/fulfill-order.test.ts.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../../src/activities';
import {
  ErrorType,
  fulfillmentWorkflowId,
  orderDetailsSignal,
  refundRequestedSignal,
  reviewDecisionUpdate,
  SEARCH_ATTRIBUTE_REGISTRATIONS,
  statusQuery,
  supplierClientOrderId,
  supplierIdempotencyKey,
  type FulfillmentState,
  type FulfillmentStatus,
  type FulfillmentTimeouts,
  type OrderDetails,
  type SupplierOrderReport,
} from '../../src/shared/contract';
import { DEFAULT_STORE_SETTINGS, type Catalog, type StoreSettings } from '../../src/shared/eligibility';
import type { fulfillOrder } from '../../src/workflows';
import { temporalCli } from '../support/stack';

const STORE = 'demo';
const TIMEOUTS: FulfillmentTimeouts = {
  paymentWaitMs: 1_000,
  supplierWebhookWaitMs: 300,
  supplierMaxWaitMs: 1_000,
  reviewReminderMs: 60_000,
  supplierCallTimeoutMs: 5_000,
};

let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  [env, workflowBundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: temporalCli() },
        extraArgs: SEARCH_ATTRIBUTE_REGISTRATIONS.flatMap((sa) => ['--search-attribute', sa]),
      },
    }),
    bundleWorkflowCode({
      workflowsPath: path.join(__dirname, '..', '..', 'src', 'workflows'),
      logger: new DefaultLogger('WARN'),
    }),
  ]);
});
afterAll(async () => {
  await env?.teardown();
});

// ------------------------------------------------------------------ fakes

type Call = { name: string; input: Record<string, unknown> };
type ReportLine = { product: string; quantity: number; codes?: number };
type MakeReport = (
  batch: number,
  state: SupplierOrderReport['state'],
  lines: ReportLine[],
) => SupplierOrderReport;

interface Script {
  settings?: Partial<StoreSettings>;
  /** The supplier's answer to placing batch n (1-based); default: delivered in full. */
  place?: (batch: number, lines: ReportLine[], report: MakeReport) => SupplierOrderReport;
  redemption?: 'used' | 'unused' | 'unknown';
}

/** The activities fulfillOrder calls, in memory; every call is recorded in order. */
function fakeActivities(orderId: string, script: Script = {}) {
  const calls: Call[] = [];
  const placed = new Map<string, SupplierOrderReport>();
  let codeNo = 0;
  const record = (name: keyof Activities, input: object) =>
    calls.push({ name, input: input as Record<string, unknown> });
  const report: MakeReport = (batch, state, lines) => ({
    supplierOrderId: `sup-${orderId}-${batch}`,
    clientOrderId: supplierClientOrderId(STORE, orderId, batch),
    state,
    lines: lines.map((l) => {
      const n = l.codes ?? l.quantity;
      return {
        product: l.product,
        quantity: l.quantity,
        codes: Array.from({ length: n }, () => ({ code: `CODE-${++codeNo}` })),
        failed: l.quantity - n,
      };
    }),
    updatedAt: new Date(Date.now() + batch).toISOString(),
  });
  const activities: Partial<Activities> = {
    async recordOrder(input) {
      record('recordOrder', input);
    },
    async loadCatalog(input): Promise<Catalog> {
      record('loadCatalog', input);
      return {
        settings: { ...DEFAULT_STORE_SETTINGS, ...script.settings },
        mappings: {
          'PSN-US-10': {
            sku: 'PSN-US-10',
            version: 1,
            supplierProduct: 'psn-us-10',
            region: 'US',
            currency: 'USD',
            denomination: '10.00',
            price: '10.99',
            skuGroup: 'psn',
          },
        },
      };
    },
    async recordEvent(input) {
      record('recordEvent', input);
    },
    async recordOrderState(input) {
      record('recordOrderState', input);
    },
    async storeCodes(input) {
      record('storeCodes', { ...input, codes: input.codes.length });
      return input.codes.map((c) => `****${c.code.slice(-2)}`);
    },
    async openReviewCase(input) {
      record('openReviewCase', { ...input, reasons: input.reasons.map((r) => r.code) });
    },
    async remindReview(input) {
      record('remindReview', input);
    },
    async closeReviewCase(input) {
      record('closeReviewCase', { action: input.decision.action, by: input.decision.by });
    },
    async placeSupplierOrder(input) {
      record('placeSupplierOrder', input);
      const batch = Number(/_b(\d+)$/.exec(input.clientOrderId)?.[1]);
      const place =
        script.place ?? ((n: number, lines: ReportLine[], make: MakeReport) => make(n, 'delivered', lines));
      const answer = place(batch, input.lines, report);
      placed.set(input.clientOrderId, answer);
      return answer;
    },
    async lookupSupplierOrder(input) {
      record('lookupSupplierOrder', input);
      return placed.get(input.clientOrderId) ?? null; // the batch as the supplier last answered
    },
    async checkSupplierBalance(input) {
      record('checkSupplierBalance', input);
      return { amount: '1000.00', currency: 'USD', low: false };
    },
    async checkRedemption(input) {
      record('checkRedemption', input);
      return { state: script.redemption ?? 'unused' };
    },
    async notifyCustomer(input) {
      record('notifyCustomer', input);
    },
    async updateStorefront(input) {
      record('updateStorefront', input);
    },
    async refundPayment(input) {
      record('refundPayment', input);
    },
  };
  const named = (name: keyof Activities) => calls.filter((c) => c.name === name).map((c) => c.input);
  return { activities, calls, named };
}

// ------------------------------------------------------------------ helpers

function details(over: Partial<OrderDetails> = {}): OrderDetails {
  return {
    channel: 'standard',
    status: 'processing',
    paid: true,
    currency: 'USD',
    total: '21.98',
    riskFlags: [],
    lines: [{ lineNo: 1, sku: 'PSN-US-10', quantity: 2, unitPrice: '10.99' }],
    eventId: `evt-${randomBytes(4).toString('hex')}`,
    ...over,
  };
}

interface Run {
  handle: WorkflowHandle<typeof fulfillOrder>;
  workflowId: string;
  orderId: string;
}

/** A worker on its own task queue with the fakes; `body` runs while it polls. */
async function withWorker<T>(
  activities: Partial<Activities>,
  orderId: string,
  body: (run: Run) => Promise<T>,
): Promise<T> {
  const taskQueue = `wf-${randomBytes(4).toString('hex')}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle,
    activities,
  });
  const workflowId = fulfillmentWorkflowId(STORE, orderId);
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof fulfillOrder>('fulfillOrder', {
      workflowId,
      taskQueue,
      args: [{ storeId: STORE, orderId, timeouts: TIMEOUTS }],
    });
    return body({ handle, workflowId, orderId });
  });
}

async function waitForState(
  handle: WorkflowHandle,
  state: FulfillmentState,
  timeoutMs = 15_000,
): Promise<FulfillmentStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await handle.query(statusQuery);
    if (status.state === state) return status;
    if (Date.now() > until) throw new Error(`still ${status.state}, never ${state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const newOrderId = () => `wf-${randomBytes(5).toString('hex')}`;
const codes = (s: FulfillmentStatus) => s.reasons.map((r) => r.code);
const key = (orderId: string, batch: number) => supplierIdempotencyKey(STORE, orderId, batch);

// ------------------------------------------------------------------ branches

describe('fulfillOrder against fake activities', () => {
  it('ends not_paid when no payment arrives, and records nothing', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId);
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => handle.result());
    expect(result.state).toBe('not_paid');
    expect(codes(result)).toEqual(['NOT_PAID']);
    expect(fake.calls).toEqual([]);
  });

  it('delivers a paid order with one batch and its idempotency key', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId);
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      return handle.result();
    });
    expect(result.state).toBe('delivered');
    expect(result.lines[0]).toMatchObject({ delivered: 2, state: 'delivered' });
    const workflowId = fulfillmentWorkflowId(STORE, orderId);
    expect(fake.named('placeSupplierOrder')).toEqual([
      {
        workflowId,
        clientOrderId: supplierClientOrderId(STORE, orderId, 1),
        idempotencyKey: key(orderId, 1),
        lines: [{ product: 'psn-us-10', quantity: 2 }],
      },
    ]);
    expect(fake.named('storeCodes')).toEqual([
      { workflowId, lineNo: 1, firstUnit: 0, codes: 2, supplierOrderId: `sup-${orderId}-1` },
    ]);
    expect(fake.named('notifyCustomer').map((n) => n.dedupeKey)).toEqual([`${workflowId}/delivered/1`]);
    expect(fake.named('updateStorefront')).toEqual([{ workflowId, outcome: 'delivered' }]);
    expect(fake.named('recordOrderState')).toEqual([{ workflowId, state: 'delivered' }]);
    expect(fake.named('recordEvent').map((e) => e.type)).toEqual([
      'eligibility.passed',
      'supplier.order_placed',
      'supplier.delivered',
      'reconcile.passed',
    ]);
  });

  it('holds a risk-flagged order for review, then buys after a person approves it', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId);
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details({ riskFlags: ['fraud'] }));
      const held = await waitForState(handle, 'in_review');
      expect(codes(held)).toEqual(['RISK_FLAG']);
      expect(fake.named('placeSupplierOrder')).toEqual([]);
      const answer = await handle.executeUpdate(reviewDecisionUpdate, {
        args: [{ action: 'retry', by: 'ops' }],
      });
      expect(answer.state).toBe('checking');
      return handle.result();
    });
    expect(result.state).toBe('delivered');
    expect(result.decisions.map((d) => [d.action, d.by])).toEqual([['retry', 'ops']]);
    expect(fake.named('openReviewCase')).toMatchObject([
      { reasons: ['RISK_FLAG'], dedupeKey: expect.stringMatching(/\/review\/[\w-]+\/0$/) },
    ]);
    expect(fake.named('closeReviewCase')).toEqual([{ action: 'retry', by: 'ops' }]);
    expect(fake.named('placeSupplierOrder').map((p) => p.idempotencyKey)).toEqual([key(orderId, 1)]);
    expect(fake.named('loadCatalog')).toHaveLength(2); // checked again after the approval
  });

  it('sends a supplier rejection to review without retrying it, and cancels on decision', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, {
      place: () => {
        throw ApplicationFailure.nonRetryable('unknown product psn-us-10', ErrorType.SupplierRejected);
      },
    });
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      const held = await waitForState(handle, 'in_review');
      expect(codes(held)).toEqual(['SUPPLIER_REJECTED']);
      expect(held.reasons[0]!.message).toContain('unknown product psn-us-10');
      expect(held.lines[0]!.state).toBe('review');
      await handle.executeUpdate(reviewDecisionUpdate, {
        args: [{ action: 'cancel', by: 'ops', note: 'no stock' }],
      });
      return handle.result();
    });
    expect(result.state).toBe('cancelled');
    expect(fake.named('placeSupplierOrder')).toHaveLength(1);
    expect(fake.named('storeCodes')).toEqual([]);
    expect(fake.named('updateStorefront').map((u) => u.outcome)).toEqual(['cancelled']);
    expect(fake.named('recordOrderState').map((s) => s.state)).toEqual(['cancelled']);
    expect(fake.named('recordEvent').map((e) => e.type)).toContain('order.cancelled');
  });

  it('reviews a batch the supplier never completes; a retry asks about it, then buys a second batch', async () => {
    const orderId = newOrderId();
    const first = supplierClientOrderId(STORE, orderId, 1);
    // Batch 1 stays pending (every lookup says so); batch 2 is delivered at once.
    const fake = fakeActivities(orderId, {
      place: (batch, lines, report) => report(batch, batch === 1 ? 'pending' : 'delivered', lines),
    });
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      const held = await waitFor(
        handle,
        (s) => s.state === 'in_review' && s.customerNotices.includes('review'),
      );
      expect(codes(held)).toEqual(['SUPPLIER_TIMEOUT']);
      expect(held.customerNotices).toEqual(['processing', 'review']);
      await handle.executeUpdate(reviewDecisionUpdate, { args: [{ action: 'retry', by: 'ops' }] });
      return handle.result();
    });
    expect(result.state).toBe('delivered');
    expect(result.batches.map((b) => [b.clientOrderId, b.state])).toEqual([
      [first, 'pending'],
      [supplierClientOrderId(STORE, orderId, 2), 'delivered'],
    ]);
    // Asked about batch 1 after the retry before placing batch 2.
    const supplierCalls = fake.calls.filter((c) => c.name.endsWith('SupplierOrder'));
    expect(supplierCalls.at(-2)).toEqual({
      name: 'lookupSupplierOrder',
      input: { workflowId: fulfillmentWorkflowId(STORE, orderId), clientOrderId: first },
    });
    expect(fake.named('placeSupplierOrder').map((p) => p.idempotencyKey)).toEqual([
      key(orderId, 1),
      key(orderId, 2),
    ]);
    expect(fake.named('storeCodes').map((s) => s.supplierOrderId)).toEqual([`sup-${orderId}-2`]);
  });

  it('re-orders only the missing units after a partial delivery', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, {
      place: (batch, lines, report) =>
        batch === 1
          ? report(1, 'partial', [{ product: 'psn-us-10', quantity: 2, codes: 1 }])
          : report(batch, 'delivered', lines),
    });
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      const held = await waitForState(handle, 'in_review');
      expect(codes(held)).toEqual(['PARTIAL_DELIVERY']);
      expect(held.lines[0]).toMatchObject({ delivered: 1, state: 'review' });
      await handle.executeUpdate(reviewDecisionUpdate, { args: [{ action: 'retry', by: 'ops' }] });
      return handle.result();
    });
    expect(result.state).toBe('delivered');
    expect(result.lines[0]).toMatchObject({ delivered: 2, state: 'delivered' });
    expect(fake.named('placeSupplierOrder').map((p) => [p.idempotencyKey, p.lines])).toEqual([
      [key(orderId, 1), [{ product: 'psn-us-10', quantity: 2 }]],
      [key(orderId, 2), [{ product: 'psn-us-10', quantity: 1 }]],
    ]);
    expect(fake.named('storeCodes').map((s) => [s.firstUnit, s.codes])).toEqual([
      [0, 1],
      [1, 1],
    ]);
  });

  it('does not refund automatically when a delivered code was redeemed', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, {
      redemption: 'used',
      place: (batch, _lines, report) =>
        report(batch, 'partial', [{ product: 'psn-us-10', quantity: 2, codes: 1 }]),
    });
    const result = await withWorker(fake.activities, orderId, async ({ handle, workflowId }) => {
      await handle.signal(orderDetailsSignal, details());
      await waitForState(handle, 'in_review');
      await handle.signal(refundRequestedSignal, {
        source: 'standard',
        eventId: 'refund-1',
        reason: 'customer asked',
      });
      const held = await waitFor(
        handle,
        (s) => s.state === 'in_review' && codes(s)[0] === 'REFUND_CODE_USED',
      );
      expect(held.redemption).toBe('used');
      expect(fake.named('checkRedemption')).toEqual([{ workflowId }]);
      await handle.executeUpdate(reviewDecisionUpdate, { args: [{ action: 'cancel', by: 'ops' }] });
      return handle.result();
    });
    expect(result.state).toBe('cancelled');
    expect(result.decisions.map((d) => [d.action, d.by])).toEqual([
      ['refund', 'storefront:standard'],
      ['cancel', 'ops'],
    ]);
    expect(fake.named('refundPayment')).toEqual([]);
    // One case per opening, keyed by the run: a reset re-opens the review as a new case.
    const runId = (await env.client.workflow.getHandle(fulfillmentWorkflowId(STORE, orderId)).describe())
      .runId;
    expect(fake.named('openReviewCase').map((o) => [o.reasons, o.dedupeKey])).toEqual([
      [['PARTIAL_DELIVERY'], `${fulfillmentWorkflowId(STORE, orderId)}/review/${runId}/0`],
      [['REFUND_CODE_USED'], `${fulfillmentWorkflowId(STORE, orderId)}/review/${runId}/1`],
    ]);
  });

  it('refunds the payment when nothing was delivered', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId);
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details({ riskFlags: ['fraud'] }));
      await waitForState(handle, 'in_review');
      await handle.executeUpdate(reviewDecisionUpdate, { args: [{ action: 'refund', by: 'ops' }] });
      return handle.result();
    });
    const workflowId = fulfillmentWorkflowId(STORE, orderId);
    expect(result.state).toBe('refunded');
    expect(fake.named('checkRedemption')).toEqual([]);
    // What the code lines were paid, not the order total.
    expect(fake.named('refundPayment')).toEqual([
      { workflowId, dedupeKey: `${workflowId}/refund`, amount: '21.98' },
    ]);
    expect(fake.named('notifyCustomer').map((n) => n.template)).toEqual(['review', 'refunded']);
    expect(fake.named('recordOrderState').map((s) => s.state)).toEqual(['refunded']);
  });

  it('refuses a decision while no review is open', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId);
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await waitForState(handle, 'awaiting_order');
      const refused: unknown = await handle
        .executeUpdate(reviewDecisionUpdate, { args: [{ action: 'cancel', by: 'ops' }] })
        .catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((refused as WorkflowUpdateFailedError).cause?.message).toBe(
        'There is no open review for this order (state: awaiting_order).',
      );
      return handle.result();
    });
    expect(result.state).toBe('not_paid'); // the refused decision changed nothing
    expect(result.decisions).toEqual([]);
  });
});

async function waitFor(
  handle: WorkflowHandle,
  ok: (s: FulfillmentStatus) => boolean,
  timeoutMs = 15_000,
): Promise<FulfillmentStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await handle.query(statusQuery);
    if (ok(status)) return status;
    if (Date.now() > until)
      throw new Error(`gave up waiting; last state ${status.state} ${codes(status).join(',')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
