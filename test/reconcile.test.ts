// Daily reconciliation over seeded data with each kind of discrepancy: a missed webhook (the
// order is delivered), a duplicate supplier order, an amount mismatch, a supplier order that
// is not ours, a low balance, and a clean order that must produce no finding. Plus the
// Schedule that runs it every night, and the matching rules on their own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { ensureReconcileSchedule } from '../src/ops/schedule';
import {
  matchDay,
  previousUtcDay,
  RECONCILE_SCHEDULE_ID,
  type OurOrderView,
  type ReconcileReport,
  type SupplierOrderSummary,
} from '../src/shared/reconcile';
import type { reconcileDay } from '../src/workflows';
import { newOrderId, placeOrder, result, waitForState } from './support/orders';
import { startStack, type Stack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  // Long webhook waits: an order whose webhook is lost stays waiting until reconciliation.
  stack = await startStack({ timeouts: { supplierWebhookWaitMs: 120_000, supplierMaxWaitMs: 300_000 } });
});
afterAll(async () => {
  await stack?.stop();
});

const today = () => new Date().toISOString().slice(0, 10);

async function supplierOrderByHand(externalOrderId: string, sku = 'PSN-US-10') {
  const res = await fetch(`${stack.sandboxUrl}/api/v1/orders`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-API-Key': 'test-supplier-key',
      'Idempotency-Key': `by-hand-${externalOrderId}`,
    },
    body: JSON.stringify({ externalOrderId, lines: [{ sku, quantity: 1 }] }),
  });
  expect(res.status).toBe(201);
}

async function runReconcile(date: string): Promise<ReconcileReport> {
  return stack.env.client.workflow.execute<typeof reconcileDay>('reconcileDay', {
    workflowId: `reconcile:${date}:test:${Date.now()}`,
    taskQueue: stack.taskQueue,
    args: [{ date }],
  });
}

describe('reconcileDay', () => {
  it('delivers a missed webhook, flags duplicates, amount mismatches, unknown orders and a low balance', async () => {
    const line = [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }];
    const clean = await placeOrder(stack, line);
    const duplicate = await placeOrder(stack, line);
    const repriced = await placeOrder(stack, line);
    const missedId = newOrderId();
    stack.sandbox.on(`_${missedId}_`, { webhook: 'drop' });
    const missed = await placeOrder(stack, [{ sku: 'PSN-US-10', quantity: 2, total: '21.98' }], {}, missedId);
    for (const o of [clean, duplicate, repriced])
      expect((await result(stack, o.workflowId)).state).toBe('delivered');

    await waitForState(stack, missed.workflowId, 'awaiting_supplier');
    expect(stack.sandbox.stats.byClientOrderId[missed.clientOrderId()]).toBe(1);
    await new Promise((r) => setTimeout(r, 300)); // the sandbox completes it; its webhook is lost
    expect((await stack.env.client.workflow.getHandle(missed.workflowId).describe()).status.name).toBe(
      'RUNNING',
    );

    await supplierOrderByHand(duplicate.clientOrderId()); // someone re-sent it with another key
    stack.sandbox.setCost(repriced.clientOrderId(), '12.50'); // billed more than the customer paid
    await supplierOrderByHand('legacy-order-77'); // not a cardbridge order
    stack.sandbox.setBalance(42);

    const report = await runReconcile(today());

    const kinds = (wf: string) => report.findings.filter((f) => f.workflowId === wf).map((f) => f.kind);
    expect(kinds(missed.workflowId)).toEqual(['missed_webhook']);
    expect(kinds(duplicate.workflowId)).toEqual(['duplicate']);
    expect(kinds(repriced.workflowId)).toEqual(['amount_mismatch']);
    expect(kinds(clean.workflowId)).toEqual([]);
    expect(report.findings.find((f) => f.kind === 'unknown_order')?.clientOrderId).toBe('legacy-order-77');
    expect(report.findings.find((f) => f.kind === 'low_balance')?.message).toContain('42.00');
    expect(report.balance).toMatchObject({ amount: '42.00', low: true, lowWater: '100' });
    expect(report.delivered).toEqual([missed.workflowId]);

    // The missed webhook: the order finishes with the supplier's codes, bought once.
    const done = await result(stack, missed.workflowId);
    expect(done.state).toBe('delivered');
    expect(done.lines[0]).toMatchObject({ delivered: 2, state: 'delivered' });
    expect(stack.sandbox.stats.byClientOrderId[missed.clientOrderId()]).toBe(1);

    // Duplicates and mismatches are review cases in the database, with an event on the order.
    const cases = await stack.db.reviewCase.findMany({ where: { id: { in: report.reviewCases } } });
    expect(cases.map((c) => c.workflowId).sort()).toEqual([duplicate.workflowId, repriced.workflowId].sort());
    for (const c of cases) expect(c).toMatchObject({ status: 'open', reasonCode: 'RECONCILE_MISMATCH' });
    expect(cases.find((c) => c.workflowId === repriced.workflowId)?.reason).toContain('12.50');
    const events = await stack.db.fulfillmentEvent.findMany({
      where: { order: { workflowId: duplicate.workflowId }, type: 'reconcile.duplicate' },
    });
    expect(events).toHaveLength(1);

    // Running it again changes nothing: same cases, nothing left to deliver.
    const again = await runReconcile(today());
    expect(again.delivered).toEqual([]);
    expect(again.reviewCases.sort()).toEqual(report.reviewCases.sort());
    expect(await stack.db.reviewCase.count({ where: { dedupeKey: { startsWith: 'reconcile/' } } })).toBe(2);
    stack.sandbox.setBalance(10_000);
  });

  it('is a Schedule: daily at 02:00 UTC, overlap SKIP, created once and updated after', async () => {
    const first = await ensureReconcileSchedule(stack.env.client, { taskQueue: stack.taskQueue });
    expect(first).toEqual({ scheduleId: RECONCILE_SCHEDULE_ID, created: true });
    const second = await ensureReconcileSchedule(stack.env.client, { taskQueue: stack.taskQueue });
    expect(second.created).toBe(false);

    const handle = stack.env.client.schedule.getHandle(RECONCILE_SCHEDULE_ID);
    const desc = await handle.describe();
    expect(desc.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(desc.spec.calendars?.[0]).toMatchObject({
      hour: [{ start: 2, end: 2, step: 1 }],
      minute: [{ start: 0, end: 0, step: 1 }],
    });
    expect(desc.action).toMatchObject({ workflowType: 'reconcileDay', taskQueue: stack.taskQueue });

    // Triggered now, it reconciles yesterday (UTC) and completes.
    await handle.trigger();
    let runs: string[] = [];
    for (let i = 0; i < 100 && !runs.length; i++) {
      runs = (await handle.describe()).info.recentActions.map((a) => a.action.workflow.workflowId);
      if (!runs.length) await new Promise((r) => setTimeout(r, 200));
    }
    expect(runs).toHaveLength(1);
    const report = (await stack.env.client.workflow.getHandle(runs[0]!).result()) as ReconcileReport;
    expect(report.date).toBe(previousUtcDay(Date.now()));
    await handle.delete();
  });
});

describe('matchDay', () => {
  const ours = (o: Partial<OurOrderView> & { workflowId: string }): OurOrderView => ({
    recorded: true,
    execution: 'completed',
    state: 'delivered',
    currency: 'USD',
    total: '10.99',
    units: 1,
    codesBySupplierOrder: {},
    pendingBatches: [],
    ...o,
  });
  const sup = (
    o: Partial<SupplierOrderSummary> & { supplierOrderId: string; clientOrderId: string },
  ): SupplierOrderSummary => ({
    state: 'delivered',
    lines: [{ product: 'PSN-US-10', quantity: 1, codes: 1, failed: 0 }],
    cost: '9.20',
    costCurrency: 'USD',
    updatedAt: '2025-01-01T00:00:00Z',
    ...o,
  });

  it('takes the supplier order the codes came from as the real one, and the other as the duplicate', () => {
    const m = matchDay(
      [
        sup({ supplierOrderId: 'a', clientOrderId: 'cb_demo_1_b1' }),
        sup({ supplierOrderId: 'b', clientOrderId: 'cb_demo_1_b1' }),
      ],
      {
        'fulfill:demo:1': ours({
          workflowId: 'fulfill:demo:1',
          codesBySupplierOrder: { b: 1 },
          acceptedCost: '9.20',
        }),
      },
    );
    expect(m.findings).toHaveLength(1);
    expect(m.findings[0]).toMatchObject({
      kind: 'duplicate',
      action: 'review_case',
      supplierOrderIds: ['a', 'b'],
    });
    expect(m.findings[0]!.message).toContain('a (9.20 USD) is a duplicate');
  });

  it('reports a late delivery to an order already in review, and over-delivery across batches', () => {
    const m = matchDay(
      [
        sup({ supplierOrderId: 'a', clientOrderId: 'cb_demo_2_b1' }),
        sup({ supplierOrderId: 'b', clientOrderId: 'cb_demo_2_b2', cost: '1.00' }),
      ],
      {
        'fulfill:demo:2': ours({
          workflowId: 'fulfill:demo:2',
          execution: 'running',
          state: 'in_review',
          pendingBatches: ['cb_demo_2_b1'],
        }),
      },
    );
    expect(m.findings.map((f) => f.kind).sort()).toEqual(['duplicate', 'late_delivery']);
  });

  it('flags a supplier price that differs from the one accepted at delivery, and ignores other currencies', () => {
    const changed = matchDay([sup({ supplierOrderId: 'a', clientOrderId: 'cb_demo_3_b1', cost: '9.00' })], {
      'fulfill:demo:3': ours({ workflowId: 'fulfill:demo:3', acceptedCost: '9.20' }),
    });
    expect(changed.findings.map((f) => f.kind)).toEqual(['amount_mismatch']);
    const eur = matchDay([sup({ supplierOrderId: 'a', clientOrderId: 'cb_demo_3_b1', cost: '99.00' })], {
      'fulfill:demo:3': ours({ workflowId: 'fulfill:demo:3', currency: 'EUR' }),
    });
    expect(eur.findings).toEqual([]);
  });
});
